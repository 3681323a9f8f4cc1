"""GET /rear-diff/history and the per-row history: one record per write, every changed column."""

from datetime import timedelta

import pytest

from media.models import MediaChange
from tests.support.api import BAD_TIME, EMPTY_VALUE, history_path, served_time, status_path
from tests.support.operators import PARSED, act, bulk, history, row_in, transaction_now
from tests.support.rows import LONG_AGO, add_change, fetch_row

pytestmark = pytest.mark.usefixtures("clear_throttles")

URL = "/rear-diff/history"


def entry(record: MediaChange) -> dict:
    """A record as the API serves it."""
    return {
        "id": record.id,
        "media_hash": record.media_hash,
        "action": record.action,
        "old_status": record.old_status,
        "new_status": record.new_status,
        "changes": record.changes,
        "reason": record.reason,
        "note": record.note,
        "batch_id": None if record.batch_id is None else str(record.batch_id),
        "changed_by": record.changed_by_name,
        "changed_at": served_time(record.changed_at),
        "request_id": record.request_id,
    }


@pytest.fixture
def writes(operator_client, make_media):
    """A PATCH, an action, a console write and a batch of two: five records."""
    first = row_in(make_media, pipeline_status="rejected", rejection_status="rejected")
    pair = [row_in(make_media, **PARSED)]
    pair.append(row_in(make_media, **PARSED))
    patch = {"hash": first.hash, "rejection_status": "accepted"}
    operator_client.patch(status_path(first.hash), patch, format="json")
    act(operator_client, first.hash, "re-ingest", {"note": "try again"})
    operator_client.patch(
        f"/rear-diff/media/{first.hash}/pipeline",
        {"hash": first.hash, "error_status": True},
        format="json",
    )
    response = bulk(
        operator_client,
        {"action": "reject", "reason": "cam rip", "hashes": [row.hash for row in pair]},
    )
    return {"first": first, "pair": pair, "batch_id": response.json()["batch_id"]}


def test_the_history_lists_every_write_newest_first(reader_client, writes, media_table):
    response = reader_client.get(URL)

    assert response.status_code == 200
    records = history()
    assert response.json() == {
        "data": [entry(record) for record in reversed(records)],
        "pagination": {"total": 5, "limit": 100, "offset": 0, "next": None, "previous": None},
    }
    assert [record.action for record in records] == [
        "rejection-status",
        "re-ingest",
        "pipeline",
        "reject",
        "reject",
    ]


def test_each_record_holds_every_column_the_write_changed_after_the_triggers(
    reader_client, writes, media_table
):
    first = writes["first"]
    patch, reingest, console = history(first.hash)
    stored = fetch_row(first.hash)

    assert patch.changes["rejection_status"] == {"old": "rejected", "new": "accepted"}
    # Trigger 2 reset what re-ingest did not set itself.
    assert reingest.changes["pipeline_status"] == {"old": "rejected", "new": "ingested"}
    assert reingest.changes["rejection_status"] == {"old": "accepted", "new": "unfiltered"}
    assert (reingest.note, console.changes["error_status"]) == (
        "try again",
        {"old": False, "new": True},
    )
    if "updated_at" in stored and media_table != "g1-v18":
        assert patch.changes["updated_at"] == {
            "old": served_time(LONG_AGO),
            "new": served_time(transaction_now()),
        }
    assert set(console.changes) == {"error_status"}  # now() did not move within the test


@pytest.mark.parametrize(
    ("params", "actions"),
    [
        ({"action": "reject"}, ["reject", "reject"]),
        ({"action": "pipeline"}, ["pipeline"]),
        (
            {"changed_by": "operator"},
            ["reject", "reject", "pipeline", "re-ingest", "rejection-status"],
        ),
        ({"changed_by": "somebody"}, []),
    ],
)
def test_the_history_filters_by_action_and_author(reader_client, writes, params, actions):
    body = reader_client.get(URL, params).json()

    assert [item["action"] for item in body["data"]] == actions
    assert body["pagination"]["total"] == len(actions)


def test_the_history_filters_by_hash_in_any_case_and_by_batch(reader_client, writes):
    first, batch_id = writes["first"], writes["batch_id"]

    by_hash = reader_client.get(URL, {"hash": first.hash.upper()}).json()["data"]
    by_batch = reader_client.get(URL, {"batch_id": batch_id}).json()["data"]

    assert [item["action"] for item in by_hash] == ["pipeline", "re-ingest", "rejection-status"]
    assert {item["media_hash"] for item in by_batch} == {row.hash for row in writes["pair"]}
    assert {item["batch_id"] for item in by_batch} == {batch_id}


def test_since_includes_its_time_and_until_excludes_it(reader_client, writes):
    now = transaction_now()
    MediaChange.objects.filter(action="rejection-status").update(changed_at=now - timedelta(days=2))

    recent = reader_client.get(URL, {"since": served_time(now)}).json()["data"]
    older = reader_client.get(URL, {"until": served_time(now)}).json()["data"]

    assert [item["action"] for item in recent] == ["reject", "reject", "pipeline", "re-ingest"]
    assert [item["action"] for item in older] == ["rejection-status"]


def test_the_history_pages_like_the_list_keeping_its_filters(reader_client, writes):
    body = reader_client.get(URL, {"changed_by": "operator", "limit": 2}).json()

    assert body["pagination"] == {
        "total": 5,
        "limit": 2,
        "offset": 0,
        "next": "/rear-diff/history?changed_by=operator&limit=2&offset=2",
        "previous": None,
    }
    assert len(body["data"]) == 2


@pytest.mark.parametrize(
    ("query", "details"),
    [
        (
            "action=promote",
            {
                "action": [
                    "Select a valid choice. promote is not one of: rejection-status, pipeline, "
                    "re-ingest, override, approve, reject, clear-error, complete, delete, restore."
                ]
            },
        ),
        ("batch_id=not-a-uuid", {"batch_id": ["Enter a valid UUID."]}),
        ("since=last+week", {"since": [BAD_TIME]}),
        ("until=", {"until": [BAD_TIME]}),
        ("until=2025-05-07", {"until": [BAD_TIME]}),
        ("batch_id=", {"batch_id": [EMPTY_VALUE]}),
        ("action=", {"action": [EMPTY_VALUE]}),
        ("hash=", {"hash": [EMPTY_VALUE]}),
        ("hash=abc", {"hash": ["Must be 40 hexadecimal characters."]}),
        ("limit=0", {"limit": ["Must be an integer from 1 to 1000."]}),
        ("action=reject&action=delete", {"action": ["Give action at most once."]}),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(reader_client, db, query, details):
    response = reader_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": details}


def test_the_rows_history_serves_the_new_fields(reader_client, writes):
    first = writes["first"]

    body = reader_client.get(history_path(first.hash)).json()

    assert body["data"] == [entry(record) for record in reversed(history(first.hash))]


def test_records_made_before_the_history_grew_keep_working(reader_client, sample_media):
    old = add_change(
        sample_media.hash,
        action="rejection-status",
        new_status="rejected",
        changes={"rejection_status": {"old": "unfiltered", "new": "rejected"}},
        changed_by_name="someone-earlier",
        request_id="earlier-request",
    )

    listed = reader_client.get(URL).json()["data"]
    per_row = reader_client.get(history_path(sample_media.hash)).json()["data"]

    assert listed == per_row == [entry(old)]
