"""No lost update: the row's ETag, If-Match on the PATCH, and concurrent writers on one row.

The race tests run real threads, each with its own database connection, so the
row, the operator and its token are committed (transaction=True). The media
table is unmanaged, so pytest-django's flush does not empty it: those tests
delete the row they inserted themselves.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from media.operators import token_issue
from tests.support.api import command_error, history_path, item_path, patch_status
from tests.support.database import committed_media, run_together
from tests.support.rows import LONG_AGO, TABLE, changes, fetch_row, unchanged

RACES = pytest.mark.tables("g2")  # threads and commits: today's table is enough
RACE_HASH = "5ace0000000000000000000000000000000000aa"
THREADS = 8


def if_match(etag):
    return {"If-Match": etag}


def precondition_failed(hash_value, current_version):
    return command_error(
        "Precondition failed",
        f"Media {hash_value} has changed since it was read "
        f"(its version is now {current_version}); read it again and retry.",
    )


def current_etag(hash_value):
    """The row's version as the database holds it, as a tag: the writing transaction and
    updated_at. An item's ETag begins with it (row_version)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text, updated_at FROM {TABLE} WHERE hash = %s", [hash_value])
        xmin, updated_at = cursor.fetchone()
    micros = (updated_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return f'"{xmin}-{micros}"'


def row_version(etag):
    """The media row's version an item's ETag begins with (what If-Match compares)."""
    return etag.partition(".")[0].removesuffix('"') + '"'


# --- ETag ---------------------------------------------------------------------------


@pytest.fixture
def past_etag(unfiltered_row):
    return current_etag(unfiltered_row.hash)


def test_get_item_carries_an_etag_of_the_row_version(api_client, unfiltered_row):
    response = api_client.get(item_path(unfiltered_row.hash))

    assert response.status_code == 200
    assert row_version(response.headers["ETag"]) == current_etag(unfiltered_row.hash)


def test_patch_answers_the_new_etag_which_a_later_get_repeats(
    operator_client, api_client, unfiltered_row, past_etag
):
    response = patch_status(operator_client, unfiltered_row.hash, "accepted")

    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert row_version(etag) != past_etag
    assert row_version(etag) == current_etag(unfiltered_row.hash)
    assert api_client.get(item_path(unfiltered_row.hash)).headers["ETag"] == etag


@pytest.mark.tables("g1-v18")
def test_etag_changes_on_every_write_where_no_trigger_refreshes_updated_at(
    operator_client, unfiltered_row, media_table
):
    """Flyway 7-18 have no triggers: updated_at stays, the row version (xmin) moves."""
    etags = [current_etag(unfiltered_row.hash)]
    for status in ("accepted", "rejected", "accepted"):
        response = patch_status(
            operator_client, unfiltered_row.hash, status, headers=if_match(etags[-1])
        )
        assert response.status_code == 200, response.json()
        etags.append(response.headers["ETag"])

    assert fetch_row(unfiltered_row.hash)["updated_at"] == LONG_AGO
    assert len(set(etags)) == 4
    assert row_version(etags[-1]) == current_etag(unfiltered_row.hash)


def test_an_items_etag_changes_when_the_table_loses_a_column_it_serves(
    api_client, unfiltered_row, settings
):
    """Dropping a column leaves the row's version as it was, not the item: uploader turns null."""
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 0
    before = api_client.get(item_path(unfiltered_row.hash))
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN uploader")

    revalidated = api_client.get(
        item_path(unfiltered_row.hash), headers={"If-None-Match": before["ETag"]}
    )

    assert "uploader" not in fetch_row(unfiltered_row.hash)
    assert current_etag(unfiltered_row.hash) == row_version(before["ETag"])
    assert revalidated.status_code == 200
    assert before.json()["uploader"] is not None
    assert revalidated.json()["uploader"] is None
    assert revalidated["ETag"] != before["ETag"]


# --- If-Match -----------------------------------------------------------------------


def test_patch_with_a_stale_if_match_answers_412_and_changes_nothing(
    operator_client, unfiltered_row, past_etag
):
    row = unfiltered_row
    first = patch_status(operator_client, row.hash, "accepted", headers=if_match(past_etag))
    assert first.status_code == 200
    new_etag = first.headers["ETag"]

    with unchanged(row.hash):
        response = patch_status(operator_client, row.hash, "rejected", headers=if_match(past_etag))

    assert response.status_code == 412
    assert response.json() == precondition_failed(row.hash, row_version(new_etag))
    assert [(c.old_status, c.new_status) for c in changes(row.hash)] == [("unfiltered", "accepted")]


def test_patch_with_an_if_match_that_never_matched_answers_412(
    operator_client, unfiltered_row, past_etag
):
    row = unfiltered_row

    with unchanged(row.hash):
        response = patch_status(
            operator_client, row.hash, "rejected", headers=if_match('"not-a-version"')
        )

    assert response.status_code == 412
    assert response.json() == precondition_failed(row.hash, past_etag)
    assert changes(row.hash) == []


@pytest.mark.parametrize("header", ["{current}", "*", '"1-2", {current}'])
def test_patch_with_a_matching_if_match_answers_200(
    operator_client, unfiltered_row, past_etag, header
):
    row = unfiltered_row
    response = patch_status(
        operator_client, row.hash, "accepted", headers=if_match(header.format(current=past_etag))
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert fetch_row(row.hash)["rejection_status"] == "accepted"
    assert len(changes(row.hash)) == 1


def test_patch_with_the_weak_form_of_the_current_etag_answers_412(
    operator_client, unfiltered_row, past_etag
):
    """If-Match compares strongly (RFC 9110 13.1.1): W/"..." never matches."""
    row = unfiltered_row
    response = patch_status(
        operator_client, row.hash, "accepted", headers=if_match(f"W/{past_etag}")
    )

    assert response.status_code == 412
    assert fetch_row(row.hash)["rejection_status"] == "unfiltered"


def test_patch_without_if_match_changes_the_row(operator_client, unfiltered_row):
    response = patch_status(operator_client, unfiltered_row.hash, "override")

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert fetch_row(unfiltered_row.hash)["rejection_status"] == "override"


def test_anonymous_patch_with_if_match_answers_401_before_any_precondition_check(
    api_client, unfiltered_row
):
    response = patch_status(
        api_client, unfiltered_row.hash, "accepted", headers=if_match('"stale"')
    )

    assert response.status_code == 401


# --- the race -------------------------------------------------------------------------


@pytest.fixture
def committed_row(transactional_db, media_table):
    """A committed row every thread's connection can see; deleted again afterwards."""
    row = {
        "hash": RACE_HASH,
        "original_title": "Race (2024) [1080p]",
        "rejection_status": "unfiltered",
    }
    with committed_media([row]):
        yield RACE_HASH


@RACES
@pytest.mark.django_db(transaction=True)
def test_eight_writers_with_the_same_if_match_exactly_one_wins_seven_get_412(
    operator, committed_row
):
    key = token_issue(username=operator.username)
    targets = ["accepted", "rejected", "override"]
    past_etag = current_etag(committed_row)

    responses = run_together(
        key,
        lambda client, i: patch_status(
            client, committed_row, targets[i % 3], headers=if_match(past_etag)
        ),
        THREADS,
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * (THREADS - 1)
    (winner,) = [response for response in responses if response.status_code == 200]
    won_status = winner.json()["data"]["rejection_status"]
    new_etag = winner.headers["ETag"]
    for loser in responses:
        if loser.status_code == 412:
            assert loser.json() == precondition_failed(committed_row, row_version(new_etag))
    (change,) = changes(committed_row)
    assert (change.old_status, change.new_status) == ("unfiltered", won_status)
    stored = fetch_row(committed_row)
    assert stored["rejection_status"] == won_status
    assert change.changed_at == stored["updated_at"]


def race_without_if_match(operator, hash_value):
    key = token_issue(username=operator.username)
    targets = ["accepted", "rejected", "override", "unfiltered"] * 2
    responses = run_together(
        key, lambda client, i: patch_status(client, hash_value, targets[i]), THREADS
    )
    return targets, responses


@RACES
@pytest.mark.django_db(transaction=True)
def test_eight_writers_without_if_match_all_succeed_in_one_serial_order(operator, committed_row):
    """Each change sees the one before it: the records form one chain, none lost."""
    targets, responses = race_without_if_match(operator, committed_row)

    assert [response.status_code for response in responses] == [200] * THREADS
    recorded = changes(committed_row)
    assert len(recorded) == THREADS
    assert sorted(change.new_status for change in recorded) == sorted(targets)
    assert recorded[0].old_status == "unfiltered"
    for previous, change in itertools.pairwise(recorded):
        assert change.old_status == previous.new_status
    stored = fetch_row(committed_row)
    last = recorded[-1]  # the greatest id: the last change committed
    assert stored["rejection_status"] == last.new_status
    assert stored["updated_at"] == last.changed_at


@RACES
@pytest.mark.django_db(transaction=True)
def test_history_after_concurrent_writers_lists_them_in_the_order_they_happened(
    operator, committed_row, reader_client
):
    """Newest first means last committed first: the top entry is the row's current status.

    changed_at is the writer's transaction start (the trigger's now()), which
    concurrent writers do not reach in the order they commit.
    """
    race_without_if_match(operator, committed_row)

    history = reader_client.get(history_path(committed_row)).json()["data"]

    committed_order = [change.id for change in reversed(changes(committed_row))]
    assert [entry["id"] for entry in history] == committed_order
    assert history[0]["new_status"] == fetch_row(committed_row)["rejection_status"]
