"""PATCH /rear-diff/media/{hash}/rejection-status: the change and what the table's triggers make
of it, row by row of the contract's table.

Runs against the real table and its real triggers (tests/conftest.py builds
both from media/demo/sql); nothing is mocked. Refused requests are in
test_rejection_status_errors.py, bodies the parser refuses in
tests/api/test_parsers.py.
"""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection

from tests.spec import REJECTION_STATUSES, SAMPLE_HASH, table_columns
from tests.support.api import (
    UPDATED,
    item_path,
    patch_json,
    patch_raw,
    patch_status,
    served_time,
    status_path,
)
from tests.support.rows import TABLE, execute, fetch_row, row_count

# Columns the PATCH may change: the one it writes, and the two its triggers own.
WRITTEN = {"rejection_status", "rejection_reason", "updated_at"}
PAST = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def unwritten(row):
    return {column: value for column, value in row.items() if column not in WRITTEN}


def transaction_now():
    # now() is the transaction's start time: what trigger 1 writes into updated_at.
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


@pytest.fixture
def rejected_row(make_media):
    """A rejected row with a reason and an old updated_at, consistent with the triggers."""
    (row,) = make_media(
        pipeline_status="rejected",
        rejection_status="rejected",
        rejection_reason="genre Horror is excluded",
        error_status=False,
        error_condition=None,
        created_at=PAST,
        updated_at=PAST,
    )
    return row


def test_patch_answers_200_with_success_message_and_the_row_get_returns_afterwards(
    operator_client, sample_media
):
    response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 200
    stored = operator_client.get(item_path(SAMPLE_HASH)).json()
    assert stored["rejection_status"] == "accepted"
    assert response.json() == {"success": True, "message": UPDATED, "data": stored}


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_patch_path_works_with_and_without_trailing_slash(operator_client, sample_media, slash):
    response = operator_client.patch(
        status_path(SAMPLE_HASH) + slash,
        {"hash": SAMPLE_HASH, "rejection_status": "override"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["message"] == UPDATED
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "override"


def test_patch_answers_the_triggers_results_not_the_request_for_the_sample_row(
    operator_client, sample_media
):
    """The sample row has error_status false but an error_condition: trigger 3 clears it."""
    response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    data = response.json()["data"]
    row = fetch_row(SAMPLE_HASH)
    assert data["rejection_reason"] is None and row["rejection_reason"] is None
    assert data["error_condition"] is None and row["error_condition"] is None
    assert data["updated_at"] == served_time(row["updated_at"])
    assert data["updated_at"] != "2025-05-07T20:33:57.738163Z"
    assert data["created_at"] == "2025-05-07T20:33:57.738163Z"


@pytest.mark.parametrize("new_status", ["unfiltered", "accepted", "override"])
def test_patch_to_a_status_other_than_rejected_clears_rejection_reason(
    operator_client, rejected_row, new_status
):
    response = patch_status(operator_client, rejected_row.hash, new_status)

    assert response.status_code == 200
    row = fetch_row(rejected_row.hash)
    assert row["rejection_status"] == new_status
    assert row["rejection_reason"] is None
    assert response.json()["data"]["rejection_reason"] is None


def test_patch_to_rejected_keeps_rejection_reason(operator_client, rejected_row):
    response = patch_status(operator_client, rejected_row.hash, "rejected")

    assert response.status_code == 200
    row = fetch_row(rejected_row.hash)
    assert row["rejection_status"] == "rejected"
    assert row["rejection_reason"] == "genre Horror is excluded"
    assert response.json()["data"]["rejection_reason"] == "genre Horror is excluded"


@pytest.mark.parametrize("new_status", REJECTION_STATUSES)
def test_patch_advances_updated_at_to_the_update_time(operator_client, rejected_row, new_status):
    before = fetch_row(rejected_row.hash)["updated_at"]

    response = patch_status(operator_client, rejected_row.hash, new_status)

    assert response.status_code == 200
    after = fetch_row(rejected_row.hash)["updated_at"]
    assert after > before
    assert after == transaction_now()  # trigger 1, inside the test's transaction


def test_patch_changes_no_other_column_of_any_row(operator_client, make_media):
    rows = make_media(n=24, seed=11)
    before = {row.hash: fetch_row(row.hash) for row in rows}

    for index, row in enumerate(rows):
        new_status = REJECTION_STATUSES[index % len(REJECTION_STATUSES)]
        response = patch_status(operator_client, row.hash, new_status)
        assert response.status_code == 200
        after = fetch_row(row.hash)
        assert after["rejection_status"] == new_status
        assert unwritten(after) == unwritten(before[row.hash])
        assert response.json()["data"] == operator_client.get(item_path(row.hash)).json()


def test_patch_leaves_every_other_row_untouched(operator_client, make_media):
    target, *others = make_media(n=5, seed=12)
    before = {row.hash: fetch_row(row.hash) for row in others}

    response = patch_status(operator_client, target.hash, "override")

    assert response.status_code == 200
    assert {row.hash: fetch_row(row.hash) for row in others} == before


def test_patch_update_statement_sets_only_the_rejection_status_column(
    operator_client, sample_media, media_table
):
    """A BEFORE UPDATE OF <every other column> trigger fires if the UPDATE names any of them."""
    other_columns = ", ".join(
        connection.ops.quote_name(column)
        for column in table_columns(media_table)
        if column != "rejection_status"
    )
    execute(
        """
        CREATE FUNCTION "atp".test_refuse_other_columns() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the UPDATE wrote a column other than rejection_status';
        END;
        $$
        """,
        f"CREATE TRIGGER test_refuse_other_columns BEFORE UPDATE OF {other_columns} "
        f'ON {TABLE} FOR EACH ROW EXECUTE FUNCTION "atp".test_refuse_other_columns()',
    )

    response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 200, response.json()
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_patch_ignores_other_fields_of_the_body(operator_client, sample_media):
    before = fetch_row(SAMPLE_HASH)

    response = patch_json(
        operator_client,
        SAMPLE_HASH,
        {
            "hash": SAMPLE_HASH,
            "rejection_status": "rejected",
            "rejection_reason": "written by the client",
            "media_title": "Hacked",
            "updated_at": "2000-01-01T00:00:00Z",
        },
    )

    assert response.status_code == 200
    after = fetch_row(SAMPLE_HASH)
    assert after["media_title"] == "40 Under 40"
    assert after["rejection_reason"] == before["rejection_reason"]
    assert after["updated_at"] > before["updated_at"]


def test_a_nul_byte_in_an_ignored_field_changes_only_the_status(operator_client, sample_media):
    # json.dumps writes the NUL as the JSON escape \u0000, as a client would.
    body = {"hash": SAMPLE_HASH, "rejection_status": "accepted", "note\x00": "\x00"}

    response = patch_raw(operator_client, SAMPLE_HASH, json.dumps(body))

    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


@pytest.mark.parametrize(
    ("path_hash", "body_hash"),
    [
        (SAMPLE_HASH.upper(), SAMPLE_HASH),
        (SAMPLE_HASH, SAMPLE_HASH.upper()),
        (SAMPLE_HASH.upper(), SAMPLE_HASH.upper()),
        (SAMPLE_HASH[:20].upper() + SAMPLE_HASH[20:], SAMPLE_HASH[:20] + SAMPLE_HASH[20:].upper()),
    ],
    ids=["upper-path", "upper-body", "upper-both", "mixed"],
)
def test_patch_compares_hashes_case_insensitively_and_row_stays_lowercase(
    operator_client, sample_media, path_hash, body_hash
):
    response = patch_json(
        operator_client, path_hash, {"hash": body_hash, "rejection_status": "accepted"}
    )

    assert response.status_code == 200
    assert response.json()["data"]["hash"] == SAMPLE_HASH
    row = fetch_row(SAMPLE_HASH)
    assert row["hash"] == SAMPLE_HASH
    assert row["rejection_status"] == "accepted"
    assert row_count() == 1
