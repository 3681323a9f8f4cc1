"""GET /rear-diff/media/{hash}/history: a row's audit records, newest first, in the list's envelope.

Expected entries are built from the records in the database (history_entry),
never from the serializer under test. Limits it refuses are in
test_pagination.py, query strings in test_query_parameters.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.support.api import history_entry, history_path, not_found, one_page, patch_status
from tests.support.rows import ABSENT_HASH, LONG_AGO, add_change, changes


def test_history_lists_the_changes_made_through_the_api_newest_first(
    operator_client, unfiltered_row
):
    for status in ["accepted", "override", "rejected"]:
        patch_status(operator_client, unfiltered_row.hash, status)

    response = operator_client.get(history_path(unfiltered_row.hash))

    assert response.status_code == 200
    recorded = changes(unfiltered_row.hash)
    assert response.json() == {
        "data": [history_entry(change) for change in reversed(recorded)],
        "pagination": one_page(3),
    }
    assert [entry["new_status"] for entry in response.json()["data"]] == [
        "rejected",
        "override",
        "accepted",
    ]


@pytest.fixture
def five_changes(unfiltered_row):
    """Five changes of the row a day apart, newest first, and one of another row."""
    for day in range(5):
        add_change(
            unfiltered_row.hash,
            changed_by_name=f"operator-day-{day}",
            changed_at=LONG_AGO + timedelta(days=day),
            request_id=f"request-day-{day}",
        )
    add_change(
        ABSENT_HASH,
        new_status="rejected",
        changed_by_name="elsewhere",
        changed_at=LONG_AGO + timedelta(days=10),
    )
    return list(reversed(changes(unfiltered_row.hash)))


def test_history_lists_only_this_rows_changes_newest_first(
    reader_client, unfiltered_row, five_changes
):
    response = reader_client.get(history_path(unfiltered_row.hash))

    assert response.status_code == 200
    assert [entry["changed_by"] for entry in response.json()["data"]] == [
        "operator-day-4",
        "operator-day-3",
        "operator-day-2",
        "operator-day-1",
        "operator-day-0",
    ]
    assert response.json()["data"] == [history_entry(change) for change in five_changes]


def test_history_pages_with_limit_and_offset_in_the_list_envelope(
    reader_client, unfiltered_row, five_changes
):
    path = history_path(unfiltered_row.hash)

    first = reader_client.get(path, {"limit": 2})
    second = reader_client.get(first.json()["pagination"]["next"])
    third = reader_client.get(second.json()["pagination"]["next"])

    def page(start, offset, next_link, previous_link):
        return {
            "data": [history_entry(change) for change in five_changes[start : start + 2]],
            "pagination": {
                "total": 5,
                "limit": 2,
                "offset": offset,
                "next": next_link,
                "previous": previous_link,
            },
        }

    assert first.json() == page(0, 0, f"{path}?limit=2&offset=2", None)
    assert second.json() == page(2, 2, f"{path}?limit=2&offset=4", f"{path}?limit=2")
    assert third.json() == page(4, 4, None, f"{path}?limit=2&offset=2")


def test_history_pages_like_the_list_does(reader_client, make_media, unfiltered_row, five_changes):
    """Same envelope keys and link shapes as GET /rear-diff/media with the same limit/offset."""
    make_media(n=4)
    paging = {"limit": 2, "offset": 2}
    history = reader_client.get(history_path(unfiltered_row.hash), paging).json()
    listing = reader_client.get(reverse("media-list"), paging).json()

    assert history.keys() == listing.keys() == {"data", "pagination"}
    assert history["pagination"].keys() == listing["pagination"].keys()
    for key in ["limit", "offset"]:
        assert history["pagination"][key] == listing["pagination"][key]
    for key in ["next", "previous"]:
        assert history["pagination"][key].split("?")[1] == listing["pagination"][key].split("?")[1]


def test_history_of_a_row_without_changes_is_an_empty_page(reader_client, unfiltered_row):
    response = reader_client.get(history_path(unfiltered_row.hash))

    assert response.status_code == 200
    assert response.json() == {"data": [], "pagination": one_page(0)}


@pytest.mark.parametrize(
    "absent", [ABSENT_HASH, "\x00", "a" * 10_000], ids=["absent", "nul", "10k-chars"]
)
def test_history_of_an_unknown_hash_answers_404_in_the_read_shape(reader_client, db, absent):
    response = reader_client.get(history_path(absent))

    assert response.status_code == 404
    assert response.json() == not_found(absent)


def test_history_of_an_unknown_hash_is_404_even_when_records_name_it(reader_client, db):
    """History is served for rows that exist: records of a deleted row stay, unreachable."""
    add_change(ABSENT_HASH)

    response = reader_client.get(history_path(ABSENT_HASH))

    assert response.status_code == 404


def test_history_accepts_an_uppercase_hash(reader_client, operator_client, unfiltered_row):
    patch_status(operator_client, unfiltered_row.hash, "accepted")

    response = reader_client.get(history_path(unfiltered_row.hash.upper()))

    assert response.status_code == 200
    assert [entry["media_hash"] for entry in response.json()["data"]] == [unfiltered_row.hash]
