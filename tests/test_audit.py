"""The audit history: one record per change made through the service, none otherwise.

The records live in the service's own schema and are written in the PATCH's
transaction; GET /rear-diff/media/{hash}/history serves them newest first.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from media.models import MediaChange
from media.operators import token_issue
from tests.conftest import fetch_row

pytestmark = pytest.mark.usefixtures("clear_throttles")

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
ABSENT_HASH = "0123456789abcdef0123456789abcdef01234567"
AUDIT_TABLE = MediaChange._meta.db_table
PAST = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def url(hash_value):
    return f"/rear-diff/media/{hash_value}/rejection-status"


def history_url(hash_value):
    return f"/rear-diff/media/{hash_value}/history"


def patch(client, hash_value, rejection_status, **kwargs):
    return client.patch(
        url(hash_value),
        {"hash": hash_value, "rejection_status": rejection_status},
        format="json",
        **kwargs,
    )


def changes(hash_value=SAMPLE_HASH):
    return list(MediaChange.objects.filter(media_hash=hash_value).order_by("id"))


def record(change):
    """A history entry as the API serves it."""
    return {
        "id": change.id,
        "media_hash": change.media_hash,
        "action": change.action,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "changes": change.changes,
        "reason": change.reason,
        "note": change.note,
        "batch_id": change.batch_id,
        "changed_by": change.changed_by_name,
        "changed_at": change.changed_at.astimezone(UTC).strftime(TIMESTAMP),
        "request_id": change.request_id,
    }


@pytest.fixture
def row(make_media):
    """An unfiltered row last updated long ago."""
    (media,) = make_media(rejection_status="unfiltered", updated_at=PAST, created_at=PAST)
    return media


# --- one record per successful change ---------------------------------------------


def test_successful_patch_records_who_old_new_when_and_the_request_id(
    operator, operator_client, row
):
    response = patch(
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
    assert change.changed_at != PAST
    assert change.request_id == "audit-request-0001"
    assert response.headers["X-Request-ID"] == "audit-request-0001"


def test_generated_request_id_is_stored_when_the_client_sends_none(operator_client, row):
    response = patch(operator_client, row.hash, "accepted")

    (change,) = changes(row.hash)
    assert change.request_id == response.headers["X-Request-ID"]
    assert len(change.request_id) == 32


def test_each_successful_patch_adds_exactly_one_record(operator_client, row):
    for status in ["accepted", "override", "rejected", "rejected"]:
        assert patch(operator_client, row.hash, status).status_code == 200

    assert [(c.old_status, c.new_status) for c in changes(row.hash)] == [
        ("unfiltered", "accepted"),
        ("accepted", "override"),
        ("override", "rejected"),
        ("rejected", "rejected"),
    ]


def test_the_record_keeps_the_username_after_the_user_is_deleted(operator, operator_client, row):
    patch(operator_client, row.hash, "accepted")

    operator.delete()

    (change,) = changes(row.hash)
    assert change.changed_by is None
    assert change.changed_by_name == "operator"


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


def _bad_value(clients, media):
    return patch(clients["operator"], media.hash, "maybe")


def _hash_mismatch(clients, media):
    return clients["operator"].patch(
        url(media.hash), {"hash": ABSENT_HASH, "rejection_status": "accepted"}, format="json"
    )


def _anonymous(clients, media):
    return patch(clients["anonymous"], media.hash, "accepted")


def _no_permission(clients, media):
    return patch(clients["reader"], media.hash, "accepted")


def _absent_row(clients, media):
    return patch(clients["operator"], ABSENT_HASH, "accepted")


def _stale_if_match(clients, media):
    return patch(
        clients["operator"],
        media.hash,
        "accepted",
        headers={"If-Match": '"2020-01-01T00:00:00.000000Z"'},
    )


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
    api_client, operator_client, row, refusal, status
):
    reader = get_user_model().objects.create_user("reader")
    reader_client = APIClient()
    reader_client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(username=reader.username)}")
    clients = {"operator": operator_client, "anonymous": api_client, "reader": reader_client}
    before = fetch_row(row.hash)

    response = refusal(clients, row)

    assert response.status_code == status
    assert response.json()["success"] is False
    assert fetch_row(row.hash) == before
    assert not MediaChange.objects.exists()


# --- the change rolls back with a failed audit record ----------------------------


@pytest.fixture
def audit_insert_fails(db):
    """Make every INSERT into the audit table fail, inside the test's transaction only.

    NOT VALID skips checking the existing rows; new rows still must pass
    CHECK (false). The test's rollback removes the constraint again.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{AUDIT_TABLE}" ADD CONSTRAINT audit_refuses_rows CHECK (false) NOT VALID'
        )


def test_change_whose_audit_record_fails_is_not_made_and_answers_500(
    operator_client, row, audit_insert_fails
):
    before = fetch_row(row.hash)

    response = patch(
        operator_client, row.hash, "accepted", headers={"X-Request-ID": "audit-fails-0001"}
    )

    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "error": "Database error",
        "message": "The request could not be completed; "
        "the log has the details under request id audit-fails-0001.",
        "request_id": "audit-fails-0001",
    }
    assert fetch_row(row.hash) == before
    assert not MediaChange.objects.exists()


def test_change_whose_audit_table_is_missing_is_not_made(operator_client, row):
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{AUDIT_TABLE}" RENAME TO "audit_moved_away"')
    before = fetch_row(row.hash)

    response = patch(operator_client, row.hash, "accepted")

    assert response.status_code == 500
    assert response.json()["success"] is False
    assert response.json()["error"] == "Database error"
    assert fetch_row(row.hash) == before


# --- GET /rear-diff/media/{hash}/history ---------------------------------------------


def test_history_lists_the_changes_made_through_the_api_newest_first(operator_client, row):
    for status in ["accepted", "override", "rejected"]:
        patch(operator_client, row.hash, status)

    response = operator_client.get(history_url(row.hash))

    assert response.status_code == 200
    recorded = changes(row.hash)
    assert response.json() == {
        "data": [record(change) for change in reversed(recorded)],
        "pagination": {"total": 3, "limit": 100, "offset": 0, "next": None, "previous": None},
    }
    assert [entry["new_status"] for entry in response.json()["data"]] == [
        "rejected",
        "override",
        "accepted",
    ]


@pytest.fixture
def five_changes(row):
    """Five changes of the row a day apart, in the order they were made, and one elsewhere."""
    for day in range(5):
        MediaChange.objects.create(
            media_hash=row.hash,
            old_status="unfiltered",
            new_status="accepted",
            changed_by_name=f"operator-day-{day}",
            changed_at=PAST + timedelta(days=day),
            request_id=f"request-day-{day}",
        )
    MediaChange.objects.create(
        media_hash=ABSENT_HASH,
        old_status="unfiltered",
        new_status="rejected",
        changed_by_name="elsewhere",
        changed_at=PAST + timedelta(days=10),
    )
    return list(reversed(changes(row.hash)))


def test_history_lists_only_this_rows_changes_newest_first(api_client, row, five_changes):
    response = api_client.get(history_url(row.hash))

    assert response.status_code == 200
    assert [entry["changed_by"] for entry in response.json()["data"]] == [
        "operator-day-4",
        "operator-day-3",
        "operator-day-2",
        "operator-day-1",
        "operator-day-0",
    ]
    assert response.json()["data"] == [record(change) for change in five_changes]


def test_history_pages_with_limit_and_offset_in_the_list_envelope(api_client, row, five_changes):
    path = history_url(row.hash)

    first = api_client.get(path, {"limit": 2})
    second = api_client.get(first.json()["pagination"]["next"])
    third = api_client.get(second.json()["pagination"]["next"])

    assert first.json() == {
        "data": [record(change) for change in five_changes[0:2]],
        "pagination": {
            "total": 5,
            "limit": 2,
            "offset": 0,
            "next": f"{path}?limit=2&offset=2",
            "previous": None,
        },
    }
    assert second.json() == {
        "data": [record(change) for change in five_changes[2:4]],
        "pagination": {
            "total": 5,
            "limit": 2,
            "offset": 2,
            "next": f"{path}?limit=2&offset=4",
            "previous": f"{path}?limit=2",
        },
    }
    assert third.json() == {
        "data": [record(change) for change in five_changes[4:5]],
        "pagination": {
            "total": 5,
            "limit": 2,
            "offset": 4,
            "next": None,
            "previous": f"{path}?limit=2&offset=2",
        },
    }


def test_history_pages_like_the_list_does(api_client, make_media, row, five_changes):
    """Same envelope keys and link shapes as GET /rear-diff/media with the same limit/offset."""
    make_media(n=4)
    history = api_client.get(history_url(row.hash), {"limit": 2, "offset": 2}).json()
    listing = api_client.get("/rear-diff/media", {"limit": 2, "offset": 2}).json()

    assert history.keys() == listing.keys() == {"data", "pagination"}
    assert history["pagination"].keys() == listing["pagination"].keys()
    for key in ["limit", "offset"]:
        assert history["pagination"][key] == listing["pagination"][key]
    for key in ["next", "previous"]:
        assert history["pagination"][key].split("?")[1] == listing["pagination"][key].split("?")[1]


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ({"limit": 0}, {"limit": ["Must be an integer from 1 to 1000."]}),
        ({"limit": 1001}, {"limit": ["Must be an integer from 1 to 1000."]}),
        ({"offset": -1}, {"offset": ["Must be an integer >= 0."]}),
        ({"offset": "x"}, {"offset": ["Must be an integer >= 0."]}),
    ],
)
def test_history_refuses_bad_limit_or_offset_with_400(api_client, row, query, details):
    response = api_client.get(history_url(row.hash), query)

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": details}


def test_history_of_a_row_without_changes_is_an_empty_page(api_client, row):
    response = api_client.get(history_url(row.hash))

    assert response.status_code == 200
    assert response.json() == {
        "data": [],
        "pagination": {"total": 0, "limit": 100, "offset": 0, "next": None, "previous": None},
    }


def test_history_of_an_unknown_hash_answers_404_in_the_read_shape(api_client, db):
    response = api_client.get(history_url(ABSENT_HASH))

    assert response.status_code == 404
    assert response.json() == {
        "error": "Media not found",
        "details": f"No media found with hash: {ABSENT_HASH}",
    }


def test_history_of_an_unknown_hash_is_404_even_when_records_name_it(api_client, db):
    """History is served for rows that exist: records of a deleted row stay, unreachable."""
    MediaChange.objects.create(
        media_hash=ABSENT_HASH,
        old_status="unfiltered",
        new_status="accepted",
        changed_by_name="someone",
        changed_at=PAST,
    )

    response = api_client.get(history_url(ABSENT_HASH))

    assert response.status_code == 404


def test_history_accepts_an_uppercase_hash(api_client, operator_client, row):
    patch(operator_client, row.hash, "accepted")

    response = api_client.get(history_url(row.hash.upper()))

    assert response.status_code == 200
    assert [entry["media_hash"] for entry in response.json()["data"]] == [row.hash]


def test_history_names_anonymous_for_a_change_made_with_auth_disabled(settings, api_client, row):
    settings.AUTH_DISABLED = True
    patch(api_client, row.hash, "rejected")

    response = api_client.get(history_url(row.hash))

    (entry,) = response.json()["data"]
    assert entry["changed_by"] == "anonymous"
    assert (entry["old_status"], entry["new_status"]) == ("unfiltered", "rejected")
