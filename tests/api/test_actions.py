"""POST /rear-diff/media/{hash}/actions/{name}: each action, on the generations it concerns.

Every test checks the row in the database after the call, against the state
docs/api.md ("Operator actions") and the table's triggers give it (written out here), and
the one history record the write left.
"""

import pytest

from tests.support.api import item_path, served_time
from tests.support.operators import (
    PARSED,
    act,
    deleted_row_in,
    history,
    row_in,
    state,
    transaction_now,
)
from tests.support.rows import LONG_AGO, fetch_row

REJECTED = {
    "pipeline_status": "rejected",
    "rejection_status": "rejected",
    "rejection_reason": "genre Horror is excluded",
    "error_status": True,
    "error_condition": "media ratings API status code: 401",
}

# (action, body, the row before, its state after), on every generation.
EVERYWHERE = {
    "re-ingest resets a rejected row (trigger 2)": (
        "re-ingest",
        None,
        REJECTED,
        {**REJECTED, "pipeline_status": "ingested", "rejection_status": "unfiltered"}
        | {"rejection_reason": None, "error_status": False, "error_condition": None},
    ),
    "re-ingest keeps an override (trigger 2)": (
        "re-ingest",
        None,
        {"pipeline_status": "downloading", "rejection_status": "override"},
        {"pipeline_status": "ingested", "rejection_status": "override"},
    ),
    "override re-ingests a rejected row and keeps the override": (
        "override",
        {"reason": "the filter is wrong about this one"},
        REJECTED,
        {"pipeline_status": "ingested", "rejection_status": "override"}
        | {"rejection_reason": None, "error_status": False, "error_condition": None},
    ),
    "override leaves a row that is not rejected where it is": (
        "override",
        None,
        {"pipeline_status": "metadata_collected", "rejection_status": "accepted"},
        {"pipeline_status": "metadata_collected", "rejection_status": "override"},
    ),
    "reject sets the reason": (
        "reject",
        {"reason": "cam rip", "note": "seen it twice"},
        PARSED,
        {"pipeline_status": "rejected", "rejection_status": "rejected"}
        | {"rejection_reason": "cam rip"},
    ),
    "clear-error clears the condition (trigger 3)": (
        "clear-error",
        None,
        {"pipeline_status": "downloading", "rejection_status": "accepted"}
        | {"error_status": True, "error_condition": "transmission: torrent stalled"},
        {"pipeline_status": "downloading", "rejection_status": "accepted"},
    ),
    "complete a downloaded row": (
        "complete",
        None,
        {"pipeline_status": "downloaded", "rejection_status": "accepted"},
        {"pipeline_status": "complete", "rejection_status": "accepted"},
    ),
    "complete a transferred row": (
        "complete",
        None,
        {"pipeline_status": "transferred", "rejection_status": "override"},
        {"pipeline_status": "complete", "rejection_status": "override"},
    ),
}
# Needs the label media_accepted: G1 on.
WITH_MEDIA_ACCEPTED = {
    "approve an unfiltered row with an error": (
        "approve",
        None,
        PARSED | {"error_status": True, "error_condition": "file move failed: permission denied"},
        {"pipeline_status": "media_accepted", "rejection_status": "accepted"},
    ),
    "approve a rejected row": (
        "approve",
        None,
        REJECTED,
        {"pipeline_status": "media_accepted", "rejection_status": "accepted"},
    ),
    "reject an approved row": (
        "reject",
        {"reason": "wrong language"},
        {"pipeline_status": "media_accepted", "rejection_status": "accepted"},
        {"pipeline_status": "rejected", "rejection_status": "rejected"}
        | {"rejection_reason": "wrong language"},
    ),
}
# Needs deleted_at: G1 from Flyway 24 on.
WITH_SOFT_DELETE = {
    "delete rejects the row (trigger 5)": (
        "delete",
        {"reason": "duplicate"},
        {"pipeline_status": "complete", "rejection_status": "accepted"},
        {"pipeline_status": "complete", "rejection_status": "rejected"}
        | {"rejection_reason": "user deletion", "deleted": True},
    ),
}


def expected_state(after: dict) -> dict:
    """A full state from a partial one: no reason, no error, not deleted unless said."""
    base = {"rejection_reason": None, "error_status": False, "error_condition": None}
    return {**base, "deleted": False, **after}


def assert_action(operator, client, make_media, case):
    name, body, before, after = case
    row = row_in(make_media, **before)
    stored_before = fetch_row(row.hash)

    response = act(client, row.hash, name, body, headers={"X-Request-ID": "action-request-1"})

    assert response.status_code == 200, response.content
    assert state(row.hash) == expected_state(after)
    stored = fetch_row(row.hash)
    if "updated_at" in stored and stored["updated_at"] != LONG_AGO:  # trigger 1, where it exists
        assert stored["updated_at"] == transaction_now()
    item = client.get(item_path(row.hash), {"include_deleted": "true"})
    assert response.json() == {
        "success": True,
        "message": f"Action {name} applied",
        "data": item.json(),
    }
    assert response.headers["ETag"] == item.headers["ETag"]
    (record,) = history(row.hash)
    changed = {column for column in stored if stored[column] != stored_before[column]}
    assert set(record.changes) == changed
    for column in changed & {"pipeline_status", "rejection_status", "rejection_reason"}:
        assert record.changes[column] == {"old": stored_before[column], "new": stored[column]}
    assert (record.action, record.reason, record.note) == (
        name,
        (body or {}).get("reason", ""),
        (body or {}).get("note", ""),
    )
    assert (record.old_status, record.new_status) == (
        stored_before["rejection_status"],
        stored["rejection_status"],
    )
    assert record.changed_by == operator
    assert record.changed_by_name == operator.username
    assert record.changed_at == transaction_now()
    assert record.request_id == "action-request-1"
    assert record.batch_id is None


@pytest.mark.parametrize("case", list(EVERYWHERE.values()), ids=list(EVERYWHERE))
def test_action_changes_the_row_as_the_spec_says(
    operator, operator_client, make_media, media_table, case
):
    assert_action(operator, operator_client, make_media, case)


@pytest.mark.tables("g1-v23", "g2")
@pytest.mark.parametrize("case", list(WITH_MEDIA_ACCEPTED.values()), ids=list(WITH_MEDIA_ACCEPTED))
def test_action_on_tables_with_media_accepted(
    operator, operator_client, make_media, media_table, case
):
    assert_action(operator, operator_client, make_media, case)


@pytest.mark.tables("g1-v27", "g2")
@pytest.mark.parametrize("case", list(WITH_SOFT_DELETE.values()), ids=list(WITH_SOFT_DELETE))
def test_action_on_tables_with_soft_delete(
    operator, operator_client, make_media, media_table, case
):
    assert_action(operator, operator_client, make_media, case)


@pytest.mark.tables("g1-v27", "g2")
def test_delete_stamps_deleted_at_with_the_transaction_time_and_hides_the_row(
    operator_client, make_media, api_client
):
    row = row_in(make_media, pipeline_status="complete", rejection_status="accepted")

    response = act(operator_client, row.hash, "delete")

    assert response.status_code == 200
    assert fetch_row(row.hash)["deleted_at"] == transaction_now()
    assert response.json()["data"]["deleted_at"] == served_time(transaction_now())
    assert api_client.get(item_path(row.hash)).status_code == 404


@pytest.mark.tables("g1-v27", "g2")
def test_restore_clears_deleted_at_and_leaves_the_rest(operator, operator_client, make_media):
    row = deleted_row_in(make_media, pipeline_status="complete")

    response = act(operator_client, row.hash, "restore", {"note": "deleted by mistake"})

    assert response.status_code == 200
    assert state(row.hash) == expected_state(
        {"pipeline_status": "complete", "rejection_status": "rejected"}
        | {"rejection_reason": "user deletion"}
    )
    assert fetch_row(row.hash)["deleted_at"] is None
    (record,) = history(row.hash)
    assert record.changes["deleted_at"] == {"old": served_time(LONG_AGO), "new": None}
    assert record.note == "deleted by mistake"


@pytest.mark.tables("g1-v18")
def test_a_table_without_triggers_answers_the_row_as_it_holds_it(operator_client, make_media):
    """Flyway 7-18 has no triggers: re-ingest changes only pipeline_status, and the ETag moves."""
    row = row_in(make_media, **REJECTED)
    etag = operator_client.get(item_path(row.hash)).headers["ETag"]

    response = act(operator_client, row.hash, "re-ingest")

    assert response.status_code == 200
    assert state(row.hash) == expected_state({**REJECTED, "pipeline_status": "ingested"})
    assert response.json()["data"]["rejection_reason"] == REJECTED["rejection_reason"]
    assert response.headers["ETag"] != etag


def test_the_action_accepts_if_match_with_the_current_etag(operator_client, make_media):
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")
    etag = operator_client.get(item_path(row.hash)).headers["ETag"]

    response = act(operator_client, row.hash, "complete", headers={"If-Match": etag})

    assert response.status_code == 200
    assert state(row.hash)["pipeline_status"] == "complete"


def test_the_path_takes_the_hash_in_any_case_and_with_a_trailing_slash(operator_client, make_media):
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")

    response = operator_client.post(f"/rear-diff/media/{row.hash.upper()}/actions/complete/")

    assert response.status_code == 200
    assert state(row.hash)["pipeline_status"] == "complete"
    assert history(row.hash)[0].media_hash == row.hash


@pytest.mark.tables("g2")
def test_auth_disabled_records_the_action_as_anonymous(settings, api_client, make_media):
    settings.AUTH_DISABLED = True
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")

    response = act(api_client, row.hash, "complete")

    assert response.status_code == 200
    assert state(row.hash)["pipeline_status"] == "complete"
    (record,) = history(row.hash)
    assert (record.changed_by, record.changed_by_name) == (None, "anonymous")
