"""PATCH /rear-diff/media/{hash}/rejection-status, row by row of the contract's table.

Runs against the real table and its real triggers (tests/conftest.py builds
both from media/sql/media_table.sql); nothing is mocked.
"""

import re
from datetime import UTC, datetime

import pytest

from media.models import Media
from tests.support.rows import break_reads, break_writes, fetch_row

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
ABSENT_HASH = "0123456789abcdef0123456789abcdef01234567"
OTHER_HASH = "fedcba9876543210fedcba9876543210fedcba98"
TABLE = Media._meta.db_table
STATUSES = ["unfiltered", "accepted", "rejected", "override"]
BAD_VALUE = "Rejection status must be one of: unfiltered, accepted, rejected, override"
UPDATED = "Rejection status updated successfully"
# Columns the PATCH may change: the one it writes, and the two its triggers own.
WRITTEN = {"rejection_status", "rejection_reason", "updated_at"}
PAST = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def url(hash_value, slash=False):
    return f"/rear-diff/media/{hash_value}/rejection-status" + ("/" if slash else "")


def patch(client, hash_value, body, slash=False):
    return client.patch(url(hash_value, slash), body, format="json")


def patch_raw(client, hash_value, raw):
    return client.patch(url(hash_value), raw, content_type="application/json")


# --- updated: 200 -------------------------------------------------------------


# --- hash case --------------------------------------------------------------------


# --- bad value: 400 ---------------------------------------------------------------


# --- hashes differ: 400 -----------------------------------------------------------


# --- no such row: 404 -------------------------------------------------------------


# --- malformed requests: 400 "Invalid request" ------------------------------------


# --- other methods: 405 -----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "post", "delete"])
def test_other_methods_on_the_rejection_status_path_answer_405_in_command_shape(
    operator_client, sample_media, method
):
    before = fetch_row(SAMPLE_HASH)

    response = getattr(operator_client, method)(
        url(SAMPLE_HASH), {"hash": SAMPLE_HASH, "rejection_status": "accepted"}, format="json"
    )

    assert response.status_code == 405
    assert response.json() == {
        "success": False,
        "error": "Method not allowed",
        "message": f'Method "{method.upper()}" not allowed.',
    }
    assert fetch_row(SAMPLE_HASH) == before


# --- database error: 500 ----------------------------------------------------------

SQL_TRACES = re.compile(
    r"\b(UPDATE|SELECT|INSERT|FROM|WHERE|SET)\b|atp|\"media\"|rejection_status|psycopg|"
    r"Traceback|column|relation|exception|refused",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    "break_database", [break_reads, break_writes], ids=["reads-fail", "trigger-raises"]
)
def test_patch_database_error_answers_500_without_sql_and_with_the_request_id(
    operator_client, sample_media, break_database
):
    break_database()

    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"success", "error", "message", "request_id"}
    assert body["success"] is False
    assert body["error"] == "Database error"
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert body["message"]
    assert not SQL_TRACES.search(body["message"]), body["message"]


def test_patch_database_error_leaves_the_row_unchanged(operator_client, sample_media):
    before = fetch_row(SAMPLE_HASH)
    break_writes()

    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 500
    assert fetch_row(SAMPLE_HASH) == before


def test_patch_database_error_with_debug_on_carries_the_error_text(
    operator_client, sample_media, settings
):
    settings.DEBUG = True
    break_writes()

    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "Database error"
    assert "disk quota exceeded on tablespace atp_media" in body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_patch_database_error_is_logged_with_the_request_id_and_the_error(
    operator_client, sample_media, caplog
):
    break_writes()

    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    request_id = response.json()["request_id"]
    logged = [
        record
        for record in caplog.records
        if record.levelname == "ERROR" and request_id in record.getMessage()
    ]
    assert logged
    assert "disk quota exceeded on tablespace atp_media" in logged[0].getMessage()
