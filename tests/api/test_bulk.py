"""POST /rear-diff/media/bulk: every outcome, with the database checked after each call.

All or nothing: a refused batch leaves every row as it was and no history; a
dry run answers the rows as they would become and writes nothing.
"""

import uuid

import pytest

from media.models import Media
from tests.support.api import item_path
from tests.support.operators import INGESTED, PARSED, assert_refused, bulk, history, row_in, state
from tests.support.rows import ABSENT_HASH, LONG_AGO, unchanged

pytestmark = pytest.mark.usefixtures("clear_throttles")

FAILED = {
    "pipeline_status": "rejected",
    "rejection_status": "rejected",
    "rejection_reason": "imdb_rating below minimum 6.0",
    "error_status": True,
    "error_condition": "media ratings API status code: 401",
}


def rows_in(make_media, n, **values):
    return [row_in(make_media, **values) for _ in range(n)]


def hashes_of(rows):
    return [row.hash for row in rows]


def test_a_batch_by_hashes_changes_every_row_and_records_each_under_one_batch(
    operator, operator_client, make_media, media_table
):
    rows = rows_in(make_media, 3, **PARSED)
    hashes = sorted(row.hash for row in rows)

    response = bulk(
        operator_client,
        {"action": "reject", "reason": "cam rip", "note": "batch one", "hashes": hashes[::-1]},
        headers={"X-Request-ID": "bulk-request-1"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    batch_id = uuid.UUID(body["batch_id"])
    assert (body["success"], body["dry_run"], body["count"]) == (True, False, 3)
    assert [result["hash"] for result in body["results"]] == hashes
    for result in body["results"]:
        assert result["status"] == 200
        assert result["data"] == operator_client.get(item_path(result["hash"])).json()
        assert state(result["hash"]) == {
            "pipeline_status": "rejected",
            "rejection_status": "rejected",
            "rejection_reason": "cam rip",
            "error_status": False,
            "error_condition": None,
            "deleted": False,
        }
    records = history()
    assert sorted(record.media_hash for record in records) == hashes
    for record in records:
        assert (record.action, record.batch_id, record.reason, record.note) == (
            "reject",
            batch_id,
            "cam rip",
            "batch one",
        )
        assert record.changes["rejection_reason"] == {"old": None, "new": "cam rip"}
        assert (record.changed_by, record.request_id) == (operator, "bulk-request-1")


def test_a_batch_by_filter_changes_exactly_the_rows_it_matches(operator_client, make_media):
    matching = rows_in(make_media, 4, **FAILED)
    others = rows_in(make_media, 2, **{**FAILED, "error_status": False, "error_condition": None})
    others += rows_in(make_media, 2, **{**PARSED, "error_status": True, "error_condition": "x"})

    with unchanged(*hashes_of(others)):
        response = bulk(
            operator_client,
            {
                "action": "re-ingest",
                "filter": {"pipeline_status": "rejected,paused", "error_status": True},
                "expected_count": 4,
            },
        )

    assert response.status_code == 200, response.content
    assert response.json()["count"] == 4
    assert {r["hash"] for r in response.json()["results"]} == {row.hash for row in matching}
    for row in matching:
        assert state(row.hash) == {
            "pipeline_status": "ingested",
            "rejection_status": "unfiltered",
            "rejection_reason": None,
            "error_status": False,
            "error_condition": None,
            "deleted": False,
        }
    assert len(history()) == 4


def test_a_filter_that_now_matches_another_count_answers_409_and_writes_nothing(
    operator_client, make_media
):
    rows = rows_in(make_media, 3, **FAILED)

    with unchanged(*hashes_of(rows)):
        response = bulk(
            operator_client,
            {"action": "re-ingest", "filter": {"pipeline_status": "rejected"}, "expected_count": 2},
        )

    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "Count changed",
        "message": "The filter matches 3 rows now, not the 2 expected; nothing was changed. "
        "Count again and resend.",
        "details": {"expected_count": 2, "count": 3},
    }
    assert history() == []


@pytest.mark.tables("g2")
def test_a_filter_matching_more_than_1000_rows_answers_400(operator_client, make_media):
    make_media(1001, seed=21, **PARSED)

    response = bulk(
        operator_client,
        {"action": "reject", "reason": "x", "filter": {"pipeline_status": "parsed"}}
        | {"expected_count": 1001},
    )

    assert response.status_code == 400
    assert response.json()["message"] == "The filter matches more than 1000 rows; narrow it."
    assert Media.objects.filter(pipeline_status="rejected").count() == 0
    assert history() == []


@pytest.mark.tables("g2")
def test_one_refusing_row_refuses_the_batch_with_a_result_per_row(operator_client, make_media):
    fine = row_in(make_media, **PARSED)
    downloading = row_in(make_media, pipeline_status="downloading", rejection_status="accepted")
    deleted = row_in(make_media, **PARSED, deleted_at=LONG_AGO)
    stale = row_in(make_media, **PARSED)
    rows = [fine, downloading, deleted, stale]
    hashes = [row.hash for row in rows] + [ABSENT_HASH]

    with unchanged(*hashes_of(rows)):
        response = bulk(
            operator_client,
            {
                "action": "reject",
                "reason": "cam",
                "hashes": hashes,
                "if_match": {stale.hash: '"1-2"'},
            },
        )

    body = assert_refused(response, 409, "Batch refused")
    assert body["message"] == (
        "4 of 5 rows refused the action; nothing was changed. See each row's result."
    )
    results = {result["hash"]: result for result in body["results"]}
    assert [result["hash"] for result in body["results"]] == [
        *sorted(row.hash for row in rows),
        ABSENT_HASH,
    ]
    assert results[fine.hash] == {"hash": fine.hash, "status": 200}
    assert (results[downloading.hash]["status"], results[downloading.hash]["error"]) == (
        409,
        "Invalid transition",
    )
    assert results[downloading.hash]["details"]["pipeline_status"] == "downloading"
    assert (results[deleted.hash]["status"], results[deleted.hash]["error"]) == (
        409,
        "Media deleted",
    )
    assert (results[stale.hash]["status"], results[stale.hash]["error"]) == (
        412,
        "Precondition failed",
    )
    assert results[ABSENT_HASH] == {
        "hash": ABSENT_HASH,
        "status": 404,
        "error": "Media not found",
        "message": f"No media found with hash: {ABSENT_HASH}",
    }
    assert history() == []


def test_matching_if_match_tags_let_the_batch_through(operator_client, make_media):
    rows = rows_in(make_media, 2, **PARSED)
    tags = {row.hash: operator_client.get(item_path(row.hash))["ETag"] for row in rows}

    response = bulk(
        operator_client,
        {"action": "override", "hashes": [row.hash for row in rows], "if_match": tags},
    )

    assert response.status_code == 200
    assert {state(row.hash)["rejection_status"] for row in rows} == {"override"}


def test_a_dry_run_answers_the_rows_as_they_would_become_and_writes_nothing(
    operator_client, make_media, media_table
):
    rows = rows_in(make_media, 2, **FAILED)

    with unchanged(*hashes_of(rows)):
        response = bulk(
            operator_client,
            {"action": "re-ingest", "hashes": [row.hash for row in rows], "dry_run": True},
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["batch_id"], body["dry_run"], body["count"]) == (None, True, 2)
    for result in body["results"]:
        data = result["data"]
        # Trigger 2's effects included: the reason and the error are gone.
        assert (data["pipeline_status"], data["rejection_status"]) == ("ingested", "unfiltered")
        assert (data["rejection_reason"], data["error_status"], data["error_condition"]) == (
            None,
            False,
            None,
        )
        assert "re-ingest" not in data["allowed_actions"]
    assert history() == []


def test_a_refused_dry_run_answers_409_as_the_real_one_would(operator_client, make_media):
    row = row_in(make_media, **INGESTED)

    with unchanged(row.hash):
        response = bulk(
            operator_client, {"action": "re-ingest", "hashes": [row.hash], "dry_run": True}
        )

    assert response.status_code == 409
    assert response.json()["results"][0]["error"] == "Invalid transition"


@pytest.mark.tables("g0")
def test_an_action_the_table_cannot_take_refuses_the_whole_batch(operator_client, make_media):
    row = row_in(make_media, **PARSED)

    with unchanged(row.hash):
        response = bulk(operator_client, {"action": "approve", "hashes": [row.hash]})

    assert_refused(response, 409, "Not supported by this table")
