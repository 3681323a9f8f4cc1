"""Soft delete as the pipeline means it (Flyway 24 on): deleted rows are gone unless asked for.

Runs on the generations with `deleted_at` (G1 at version 27, G2), and on one
without it, where `include_deleted` is accepted and changes nothing.
"""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from media.models import MediaChange
from tests.support.api import (
    BAD_BOOLEAN,
    command_error,
    history_path,
    invalid_query,
    item_path,
    not_found,
    patch_status,
)
from tests.support.operators import USER_DELETION
from tests.support.rows import unchanged

DELETED_AT = datetime(2026, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
SOFT_DELETE = pytest.mark.tables("g1-v27", "g2")


@pytest.fixture
def rows(make_media):
    """Three active rows and two a person deleted (as trigger 5 leaves them)."""
    active = make_media(n=3, seed=1)
    deleted = make_media(n=2, seed=2, deleted_at=DELETED_AT, **USER_DELETION)
    return active, deleted


def hashes(rows):
    return {row.hash for row in rows}


@SOFT_DELETE
def test_the_list_and_its_total_leave_out_deleted_rows(api_client, rows):
    active, _ = rows

    body = api_client.get(reverse("media-list")).json()

    assert {item["hash"] for item in body["data"]} == hashes(active)
    assert body["pagination"]["total"] == 3
    assert {item["deleted_at"] for item in body["data"]} == {None}


@SOFT_DELETE
def test_include_deleted_lists_them_too_with_their_deleted_at(api_client, rows):
    active, deleted = rows

    body = api_client.get(reverse("media-list"), {"include_deleted": "true"}).json()

    assert {item["hash"] for item in body["data"]} == hashes(active + deleted)
    assert body["pagination"]["total"] == 5
    served = {item["hash"]: item["deleted_at"] for item in body["data"]}
    assert {served[row.hash] for row in deleted} == {"2026-02-03T04:05:06.789012Z"}


@SOFT_DELETE
def test_include_deleted_false_is_the_default(api_client, rows):
    active, _ = rows

    body = api_client.get(reverse("media-list"), {"include_deleted": "false"}).json()

    assert {item["hash"] for item in body["data"]} == hashes(active)


@SOFT_DELETE
def test_next_links_keep_include_deleted(api_client, rows):
    body = api_client.get(reverse("media-list"), {"include_deleted": "true", "limit": 2}).json()

    assert "include_deleted=true" in body["pagination"]["next"]


@SOFT_DELETE
def test_retrieve_of_a_deleted_row_answers_404_unless_include_deleted(api_client, rows):
    _, (deleted, _) = rows

    hidden = api_client.get(item_path(deleted.hash))
    shown = api_client.get(item_path(deleted.hash), {"include_deleted": "true"})

    assert hidden.status_code == 404
    assert hidden.json() == not_found(deleted.hash)
    assert shown.status_code == 200
    assert shown.json()["deleted_at"] == "2026-02-03T04:05:06.789012Z"


@pytest.mark.parametrize("value", ["yes", "1", "maybe"])
def test_include_deleted_other_than_true_or_false_answers_400(api_client, db, media_table, value):
    for path in (reverse("media-list"), item_path("0" * 40)):
        response = api_client.get(path, {"include_deleted": value})

        assert response.status_code == 400
        assert response.json() == invalid_query(include_deleted=BAD_BOOLEAN)


@pytest.mark.tables("g0", "g1-v23")
def test_without_deleted_at_include_deleted_is_accepted_and_changes_nothing(
    api_client, make_media, media_table
):
    rows = make_media(n=3)

    plain = api_client.get(reverse("media-list")).json()
    included = api_client.get(reverse("media-list"), {"include_deleted": "true"}).json()

    assert included == {
        **plain,
        "pagination": {**plain["pagination"], "next": None, "previous": None},
    }
    assert {item["hash"] for item in included["data"]} == hashes(rows)


@SOFT_DELETE
def test_a_patch_of_a_deleted_row_answers_409_and_changes_nothing(operator_client, rows):
    _, (deleted, _) = rows

    with unchanged(deleted.hash):
        response = patch_status(operator_client, deleted.hash, "override")

    assert response.status_code == 409
    assert response.json() == command_error(
        "Media deleted",
        f"Media {deleted.hash} is soft-deleted (its deleted_at is set); the "
        "pipeline ignores it and the service does not change it.",
    )
    assert not MediaChange.objects.filter(media_hash=deleted.hash).exists()


@SOFT_DELETE
def test_the_history_of_a_deleted_row_stays_readable(reader_client, rows):
    _, (deleted, _) = rows

    response = reader_client.get(history_path(deleted.hash))

    assert response.status_code == 200
    assert response.json()["data"] == []
