"""The audit record of a PATCH: one per change made through the service, none otherwise.

The records live in the service's own schema and are written in the PATCH's
transaction, so a change whose record fails is not made. The history that
serves them is in test_history.py.
"""

import pytest
from django.conf import settings
from django.db import connection

from media.models import MediaChange
from tests.support.api import command_error, history_path, patch_json, patch_status
from tests.support.rows import ABSENT_HASH, LONG_AGO, changes, execute, fetch_row, unchanged

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
