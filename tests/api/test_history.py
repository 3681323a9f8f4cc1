"""The histories and what a write records in them.

GET /rear-diff/media/{hash}/history (a row's records, newest first, in the list's
envelope), GET /rear-diff/history (every write, filtered and paged), and the
record itself: one per change made through the service, none otherwise, every
changed column after the triggers. The records live in the service's own
schema and are written in the write's transaction, so a change whose record
fails is not made.

Expected entries are built from the records in the database (history_entry),
never from the serializer under test. Limits it refuses are in
test_pagination.py, query strings in test_query_parameters.py.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from media.models import MediaChange
from tests.support.api import (
    BAD_TIME,
    EMPTY_VALUE,
    command_error,
    history_entry,
    history_path,
    not_found,
    one_page,
    patch_json,
    patch_status,
    served_time,
    status_path,
)
from tests.support.operators import PARSED, act, bulk, history, row_in, transaction_now
from tests.support.rows import (
    ABSENT_HASH,
    LONG_AGO,
    add_change,
    changes,
    execute,
    fetch_row,
    unchanged,
)

pytestmark = pytest.mark.usefixtures("clear_throttles")


# --- one row's history: GET /rear-diff/media/{hash}/history -------------------------------


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


# --- every write: GET /rear-diff/history; every changed column -----------------------------


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


# --- the record of a PATCH: one per change made through the service, none otherwise ---------


AUDIT_TABLE = MediaChange._meta.db_table


# --- one record per successful change ---------------------------------------------


def test_successful_patch_records_who_old_new_when_and_the_request_id(
    operator, operator_client, unfiltered_row
):
    row = unfiltered_row
    response = patch_status(
        operator_client, row.hash, "accepted", headers={"X-Request-ID": "audit-request-0001"}
    )

    assert response.status_code == 200
    (change,) = changes(row.hash)
    stored = fetch_row(row.hash)
    assert change.media_hash == row.hash
    assert (change.old_status, change.new_status) == ("unfiltered", "accepted")
    assert change.changed_by == operator
    assert change.changed_by_name == "operator"
    assert change.changed_at == stored["updated_at"]
    assert change.changed_at != LONG_AGO
    assert change.request_id == "audit-request-0001"
    assert response.headers["X-Request-ID"] == "audit-request-0001"


def test_generated_request_id_is_stored_when_the_client_sends_none(operator_client, unfiltered_row):
    response = patch_status(operator_client, unfiltered_row.hash, "accepted")

    (change,) = changes(unfiltered_row.hash)
    assert change.request_id == response.headers["X-Request-ID"]
    assert len(change.request_id) == 32


def test_each_successful_patch_adds_exactly_one_record(operator_client, unfiltered_row):
    for status in ["accepted", "override", "rejected", "rejected"]:
        assert patch_status(operator_client, unfiltered_row.hash, status).status_code == 200

    assert [(c.old_status, c.new_status) for c in changes(unfiltered_row.hash)] == [
        ("unfiltered", "accepted"),
        ("accepted", "override"),
        ("override", "rejected"),
        ("rejected", "rejected"),
    ]


def test_the_record_keeps_the_username_after_the_user_is_deleted(
    operator, operator_client, unfiltered_row
):
    patch_status(operator_client, unfiltered_row.hash, "accepted")

    operator.delete()

    (change,) = changes(unfiltered_row.hash)
    assert change.changed_by is None
    assert change.changed_by_name == "operator"


def test_a_change_made_with_auth_disabled_is_recorded_as_anonymous_without_a_user(
    settings, api_client, reader_client, unfiltered_row
):
    settings.AUTH_DISABLED = True

    response = patch_status(api_client, unfiltered_row.hash, "rejected")

    assert response.status_code == 200
    (change,) = changes(unfiltered_row.hash)
    assert (change.changed_by, change.changed_by_name) == (None, "anonymous")
    (entry,) = reader_client.get(history_path(unfiltered_row.hash)).json()["data"]
    assert entry["changed_by"] == "anonymous"
    assert (entry["old_status"], entry["new_status"]) == ("unfiltered", "rejected")


def test_audit_table_lives_in_the_service_schema_not_the_media_schema(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s",
            [AUDIT_TABLE],
        )
        schemas = [schema for (schema,) in cursor.fetchall()]

    assert schemas == [settings.DJANGO_SCHEMA]
    assert settings.MEDIA_SCHEMA not in schemas


# --- no record for a refused change ----------------------------------------------


def _bad_value(clients, row):
    return patch_status(clients["operator"], row.hash, "maybe")


def _hash_mismatch(clients, row):
    return patch_json(
        clients["operator"], row.hash, {"hash": ABSENT_HASH, "rejection_status": "accepted"}
    )


def _anonymous(clients, row):
    return patch_status(clients["anonymous"], row.hash, "accepted")


def _no_permission(clients, row):
    return patch_status(clients["reader"], row.hash, "accepted")


def _absent_row(clients, row):
    return patch_status(clients["operator"], ABSENT_HASH, "accepted")


def _stale_if_match(clients, row):
    stale = {"If-Match": '"2020-01-01T00:00:00.000000Z"'}
    return patch_status(clients["operator"], row.hash, "accepted", headers=stale)


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (_bad_value, 400),
        (_hash_mismatch, 400),
        (_anonymous, 401),
        (_no_permission, 403),
        (_absent_row, 404),
        (_stale_if_match, 412),
    ],
    ids=["bad value", "hash mismatch", "anonymous", "no permission", "absent row", "stale"],
)
def test_refused_patch_writes_no_record_and_changes_nothing(
    api_client, operator_client, reader_client, unfiltered_row, refusal, status
):
    clients = {"operator": operator_client, "anonymous": api_client, "reader": reader_client}

    with unchanged(unfiltered_row.hash):
        response = refusal(clients, unfiltered_row)

    assert response.status_code == status
    assert response.json()["success"] is False
    assert not MediaChange.objects.exists()


# --- the change rolls back with a failed audit record ----------------------------


@pytest.fixture
def audit_insert_fails(db):
    """Make every INSERT into the audit table fail, inside the test's transaction only.

    NOT VALID skips checking the existing rows; new rows still must pass
    CHECK (false). The test's rollback removes the constraint again.
    """
    execute(
        f'ALTER TABLE "{AUDIT_TABLE}" ADD CONSTRAINT audit_refuses_rows CHECK (false) NOT VALID'
    )


def test_change_whose_audit_record_fails_is_not_made_and_answers_500(
    operator_client, unfiltered_row, audit_insert_fails
):
    with unchanged(unfiltered_row.hash):
        response = patch_status(
            operator_client,
            unfiltered_row.hash,
            "accepted",
            headers={"X-Request-ID": "audit-fails-0001"},
        )

    assert response.status_code == 500
    assert response.json() == command_error(
        "Database error",
        "The request could not be completed; "
        "the log has the details under request id audit-fails-0001.",
        request_id="audit-fails-0001",
    )
    assert not MediaChange.objects.exists()


def test_change_whose_audit_table_is_missing_is_not_made(operator_client, unfiltered_row):
    execute(f'ALTER TABLE "{AUDIT_TABLE}" RENAME TO "audit_moved_away"')

    with unchanged(unfiltered_row.hash):
        response = patch_status(operator_client, unfiltered_row.hash, "accepted")

    assert response.status_code == 500
    assert response.json()["success"] is False
    assert response.json()["error"] == "Database error"
