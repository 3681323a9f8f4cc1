"""PATCH /rear-diff/media/{hash}/rejection-status, row by row of the contract's table.

Runs against the real table and its real triggers (tests/conftest.py builds
both from media/sql/media_table.sql); nothing is mocked.
"""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection

from media.models import Media
from tests.spec import table_columns
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


def unwritten(row):
    return {column: value for column, value in row.items() if column not in WRITTEN}


def transaction_now():
    # now() is the transaction's start time: what trigger 1 writes into updated_at.
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def row_count():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
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


# --- updated: 200 -------------------------------------------------------------


def test_patch_answers_200_with_success_message_and_the_row_get_returns_afterwards(
    operator_client, sample_media
):
    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 200
    stored = operator_client.get(f"/rear-diff/media/{SAMPLE_HASH}").json()
    assert stored["rejection_status"] == "accepted"
    assert response.json() == {"success": True, "message": UPDATED, "data": stored}


@pytest.mark.parametrize("slash", [False, True], ids=["no-slash", "slash"])
def test_patch_path_works_with_and_without_trailing_slash(operator_client, sample_media, slash):
    response = patch(
        operator_client,
        SAMPLE_HASH,
        {"hash": SAMPLE_HASH, "rejection_status": "override"},
        slash=slash,
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["message"] == UPDATED
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "override"


def test_patch_answers_the_triggers_results_not_the_request_for_the_sample_row(
    operator_client, sample_media
):
    """The sample row has error_status false but an error_condition: trigger 3 clears it."""
    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    data = response.json()["data"]
    row = fetch_row(SAMPLE_HASH)
    assert data["rejection_reason"] is None and row["rejection_reason"] is None
    assert data["error_condition"] is None and row["error_condition"] is None
    assert data["updated_at"] == row["updated_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert data["updated_at"] != "2025-05-07T20:33:57.738163Z"
    assert data["created_at"] == "2025-05-07T20:33:57.738163Z"


@pytest.mark.parametrize("new_status", ["unfiltered", "accepted", "override"])
def test_patch_to_a_status_other_than_rejected_clears_rejection_reason(
    operator_client, rejected_row, new_status
):
    response = patch(
        operator_client,
        rejected_row.hash,
        {"hash": rejected_row.hash, "rejection_status": new_status},
    )

    assert response.status_code == 200
    row = fetch_row(rejected_row.hash)
    assert row["rejection_status"] == new_status
    assert row["rejection_reason"] is None
    assert response.json()["data"]["rejection_reason"] is None


def test_patch_to_rejected_keeps_rejection_reason(operator_client, rejected_row):
    response = patch(
        operator_client,
        rejected_row.hash,
        {"hash": rejected_row.hash, "rejection_status": "rejected"},
    )

    assert response.status_code == 200
    row = fetch_row(rejected_row.hash)
    assert row["rejection_status"] == "rejected"
    assert row["rejection_reason"] == "genre Horror is excluded"
    assert response.json()["data"]["rejection_reason"] == "genre Horror is excluded"


@pytest.mark.parametrize("new_status", STATUSES)
def test_patch_advances_updated_at_to_the_update_time(operator_client, rejected_row, new_status):
    before = fetch_row(rejected_row.hash)["updated_at"]

    response = patch(
        operator_client,
        rejected_row.hash,
        {"hash": rejected_row.hash, "rejection_status": new_status},
    )

    assert response.status_code == 200
    after = fetch_row(rejected_row.hash)["updated_at"]
    assert after > before
    assert after == transaction_now()  # trigger 1, inside the test's transaction


def test_patch_changes_no_other_column_of_any_row(operator_client, make_media):
    rows = make_media(n=24, seed=11)
    before = {row.hash: fetch_row(row.hash) for row in rows}

    for index, row in enumerate(rows):
        new_status = STATUSES[index % len(STATUSES)]
        response = patch(
            operator_client, row.hash, {"hash": row.hash, "rejection_status": new_status}
        )
        assert response.status_code == 200
        after = fetch_row(row.hash)
        assert after["rejection_status"] == new_status
        assert unwritten(after) == unwritten(before[row.hash])
        assert response.json()["data"] == operator_client.get(f"/rear-diff/media/{row.hash}").json()


def test_patch_leaves_every_other_row_untouched(operator_client, make_media):
    target, *others = make_media(n=5, seed=12)
    before = {row.hash: fetch_row(row.hash) for row in others}

    response = patch(
        operator_client, target.hash, {"hash": target.hash, "rejection_status": "override"}
    )

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
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION "atp".test_refuse_other_columns() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the UPDATE wrote a column other than rejection_status';
            END;
            $$
            """
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_other_columns BEFORE UPDATE OF {other_columns} "
            f'ON {TABLE} FOR EACH ROW EXECUTE FUNCTION "atp".test_refuse_other_columns()'
        )

    response = patch(
        operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 200, response.json()
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_patch_ignores_other_fields_of_the_body(operator_client, sample_media):
    before = fetch_row(SAMPLE_HASH)

    response = patch(
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


# --- hash case --------------------------------------------------------------------


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
    response = patch(
        operator_client, path_hash, {"hash": body_hash, "rejection_status": "accepted"}
    )

    assert response.status_code == 200
    assert response.json()["data"]["hash"] == SAMPLE_HASH
    row = fetch_row(SAMPLE_HASH)
    assert row["hash"] == SAMPLE_HASH
    assert row["rejection_status"] == "accepted"
    assert row_count() == 1


# --- bad value: 400 ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["bogus", "ACCEPTED", "Rejected", "", " accepted", 1, True])
def test_patch_with_bad_value_answers_400_with_the_contract_message(
    operator_client, sample_media, value
):
    before = fetch_row(SAMPLE_HASH)

    response = patch(operator_client, SAMPLE_HASH, {"hash": SAMPLE_HASH, "rejection_status": value})

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "Invalid request",
        "message": BAD_VALUE,
        "details": {"rejection_status": [BAD_VALUE]},
    }
    assert fetch_row(SAMPLE_HASH) == before


def test_patch_with_bad_value_is_400_even_when_no_row_has_the_hash(operator_client, db):
    response = patch(
        operator_client, ABSENT_HASH, {"hash": ABSENT_HASH, "rejection_status": "maybe"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "Invalid request",
        "message": BAD_VALUE,
        "details": {"rejection_status": [BAD_VALUE]},
    }


# --- hashes differ: 400 -----------------------------------------------------------


def test_patch_with_differing_hashes_answers_400_hash_mismatch_and_changes_nothing(
    operator_client, sample_media, make_media
):
    (other,) = make_media(hash=OTHER_HASH)
    before = {SAMPLE_HASH: fetch_row(SAMPLE_HASH), OTHER_HASH: fetch_row(OTHER_HASH)}

    response = patch(
        operator_client, SAMPLE_HASH, {"hash": other.hash, "rejection_status": "accepted"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "Hash mismatch",
        "message": "Path hash and body hash do not match",
        "details": {"non_field_errors": ["Path hash and body hash do not match"]},
    }
    assert {SAMPLE_HASH: fetch_row(SAMPLE_HASH), OTHER_HASH: fetch_row(OTHER_HASH)} == before


def test_patch_with_differing_hashes_answers_400_even_when_no_row_exists(operator_client, db):
    response = patch(
        operator_client, ABSENT_HASH, {"hash": OTHER_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "Hash mismatch"
    assert response.json()["message"] == "Path hash and body hash do not match"


# --- no such row: 404 -------------------------------------------------------------


def test_patch_of_an_absent_row_answers_404_naming_the_hash(operator_client, sample_media):
    response = patch(
        operator_client, ABSENT_HASH, {"hash": ABSENT_HASH, "rejection_status": "accepted"}
    )

    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": "Media not found",
        "message": f"No media found with hash: {ABSENT_HASH}",
    }
    assert row_count() == 1
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_patch_of_an_absent_row_in_uppercase_answers_404(operator_client, db):
    upper = ABSENT_HASH.upper()

    response = patch(operator_client, upper, {"hash": upper, "rejection_status": "accepted"})

    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Media not found"
    assert body["message"].lower() == f"No media found with hash: {ABSENT_HASH}".lower()


# --- malformed requests: 400 "Invalid request" ------------------------------------

REQUIRED_HASH = "Field 'hash' is required."
REQUIRED_STATUS = f"Field 'rejection_status' is required. {BAD_VALUE}"
HASH_FORMAT = "hash must be 40 hexadecimal characters"


def assert_invalid_request(response, details):
    """400 in the command shape; `message` carries every per-field message."""
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"success", "error", "message", "details"}
    assert body["success"] is False
    assert body["error"] == "Invalid request"
    assert body["details"] == details
    assert isinstance(body["message"], str)
    for messages in details.values():
        for message in messages:
            assert message in body["message"]


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"hash": [REQUIRED_HASH], "rejection_status": [REQUIRED_STATUS]}),
        ({"rejection_status": "accepted"}, {"hash": [REQUIRED_HASH]}),
        ({"hash": SAMPLE_HASH}, {"rejection_status": [REQUIRED_STATUS]}),
        (
            {"hash": None, "rejection_status": None},
            {"hash": [REQUIRED_HASH], "rejection_status": [BAD_VALUE]},
        ),
        ({"hash": None, "rejection_status": "accepted"}, {"hash": [REQUIRED_HASH]}),
        ({"hash": SAMPLE_HASH, "rejection_status": None}, {"rejection_status": [BAD_VALUE]}),
    ],
    ids=["empty-object", "no-hash", "no-status", "both-null", "null-hash", "null-status"],
)
def test_patch_with_missing_or_null_fields_answers_400_invalid_request(
    operator_client, sample_media, body, details
):
    before = fetch_row(SAMPLE_HASH)

    response = patch(operator_client, SAMPLE_HASH, body)

    assert_invalid_request(response, details)
    assert fetch_row(SAMPLE_HASH) == before


@pytest.mark.parametrize(
    "bad_hash",
    [
        SAMPLE_HASH[:39],
        SAMPLE_HASH + "0",
        "g" * 40,
        SAMPLE_HASH[:39] + "z",
        "",
        "abc",
    ],
    ids=["39-chars", "41-chars", "not-hex", "last-not-hex", "empty", "short"],
)
def test_patch_with_a_hash_that_is_not_40_hex_answers_400_invalid_request(
    operator_client, sample_media, bad_hash
):
    before = fetch_row(SAMPLE_HASH)
    path_hash = bad_hash or "x"  # an empty path segment would be another URL

    response = patch(operator_client, path_hash, {"hash": bad_hash, "rejection_status": "accepted"})

    assert_invalid_request(response, {"hash": [HASH_FORMAT]})
    assert fetch_row(SAMPLE_HASH) == before


@pytest.mark.parametrize(
    "padded",
    [f" {SAMPLE_HASH} ", f"{SAMPLE_HASH}\n", f"\t{SAMPLE_HASH}"],
    ids=["spaces", "newline", "tab"],
)
def test_patch_with_a_whitespace_padded_body_hash_answers_400_invalid_request(
    operator_client, sample_media, padded
):
    """The body's hash is then 41-42 characters, not 40 hex: a malformed request."""
    response = patch(operator_client, SAMPLE_HASH, {"hash": padded, "rejection_status": "accepted"})

    assert_invalid_request(response, {"hash": [HASH_FORMAT]})
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


@pytest.mark.parametrize("bad_hash", [1234, ["a"], {"h": SAMPLE_HASH}, True])
def test_patch_with_a_hash_that_is_not_a_string_answers_400_invalid_request(
    operator_client, sample_media, bad_hash
):
    response = patch(
        operator_client, SAMPLE_HASH, {"hash": bad_hash, "rejection_status": "accepted"}
    )

    assert_invalid_request(response, {"hash": [HASH_FORMAT]})
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[]", "Invalid data. Expected a dictionary, but got list."),
        (f'["{SAMPLE_HASH}", "accepted"]', "Invalid data. Expected a dictionary, but got list."),
        ('"accepted"', "Invalid data. Expected a dictionary, but got str."),
        ("42", "Invalid data. Expected a dictionary, but got int."),
        ("null", "No data provided"),
    ],
    ids=["empty-array", "array", "string", "number", "null"],
)
def test_patch_with_a_non_object_body_answers_400_invalid_request(
    operator_client, sample_media, raw, message
):
    response = patch_raw(operator_client, SAMPLE_HASH, raw)

    assert_invalid_request(response, {"non_field_errors": [message]})
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


@pytest.mark.parametrize(
    "raw",
    [
        '{"hash": ',
        "{hash: 'x'}",
        f'{{"hash": "{SAMPLE_HASH}", "rejection_status": "accepted",}}',
        "not json at all",
    ],
    ids=["truncated", "js-object", "trailing-comma", "text"],
)
def test_patch_with_invalid_json_answers_400_invalid_request(operator_client, sample_media, raw):
    response = patch_raw(operator_client, SAMPLE_HASH, raw)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"success", "error", "message"}
    assert body["success"] is False
    assert body["error"] == "Invalid request"
    assert body["message"].startswith("JSON parse error")
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_patch_with_a_form_encoded_body_answers_415_in_the_command_shape(
    operator_client, sample_media
):
    response = operator_client.patch(
        url(SAMPLE_HASH),
        f"hash={SAMPLE_HASH}&rejection_status=accepted",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    assert response.json() == {
        "success": False,
        "error": "Unsupported media type",
        "message": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
    }
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


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
