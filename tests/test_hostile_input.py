"""Hostile and malformed input, faults and the request log (issue 5).

Every case runs in-process against the real test database; nothing is mocked.
What each proves: a client can make the service answer a 4xx or a contract
error, never a 5xx it did not mean, never HTML, never a leak of its internals.
"""

import copy
import json
import logging
import logging.config
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django_guid.log_filters import CorrelationId

from media.models import Media, MediaChange
from tests.conftest import break_reads, break_writes, fetch_row

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
TABLE = Media._meta.db_table
LIST = "/rear-diff/media"
DETAIL = f"/rear-diff/media/{SAMPLE_HASH}"
HISTORY = f"/rear-diff/media/{SAMPLE_HASH}/history"
PATCH_PATH = f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"
ACCEPT = {"hash": SAMPLE_HASH, "rejection_status": "accepted"}
BAD_VALUE = "Rejection status must be one of: unfiltered, accepted, rejected, override"

# A valid value for every query parameter of the list.
VALID_LIST_PARAMETERS = {
    "media_type": "movie",
    "pipeline_status": "complete",
    "rejection_status": "accepted",
    "error_status": "false",
    "imdb_id": "tt2759766",
    "hash": SAMPLE_HASH,
    "media_title": "Under",
    "sort_by": "release_year",
    "sort_order": "asc",
    "limit": "10",
    "offset": "0",
}


def assert_invalid_query(response, name):
    """400 in the read shape, naming exactly `name`."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "details"}
    assert body["error"] == "Invalid request"
    assert list(body["details"]) == [name]
    assert all(isinstance(message, str) and message for message in body["details"][name])


def assert_command_error(response, status, error):
    """`status` in the PATCH's shape with the contract's `error` title."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    return body


def patch_raw(client, raw, content_type="application/json"):
    return client.patch(PATCH_PATH, raw, content_type=content_type)


# --- NUL bytes: PostgreSQL refuses them in text, the service must answer 400 -----


@pytest.mark.parametrize("name", sorted(VALID_LIST_PARAMETERS))
@pytest.mark.parametrize("spelling", ["nul-alone", "nul-after-a-valid-value"])
def test_nul_byte_in_any_list_parameter_answers_400_naming_it(api_client, db, name, spelling):
    value = "%00" if spelling == "nul-alone" else f"{VALID_LIST_PARAMETERS[name]}%00"

    response = api_client.get(f"{LIST}?{name}={value}")

    assert_invalid_query(response, name)


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_nul_byte_in_history_paging_answers_400_naming_it(api_client, sample_media, name):
    response = api_client.get(f"{HISTORY}?{name}=1%00")

    assert_invalid_query(response, name)


def test_nul_byte_in_an_unknown_parameter_is_ignored_like_any_unknown_parameter(
    api_client, sample_media
):
    response = api_client.get(f"{LIST}?note%00=%00")

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 1


def test_nul_byte_in_the_hash_of_a_history_path_answers_404(api_client, db):
    response = api_client.get("/rear-diff/media/%00/history")

    assert response.status_code == 404
    assert response.json() == {
        "error": "Media not found",
        "details": "No media found with hash: \x00",
    }


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"hash": "\x00", "rejection_status": "accepted"}, "hash"),
        ({"hash": SAMPLE_HASH + "\x00", "rejection_status": "accepted"}, "hash"),
        ({"hash": "\x00" + SAMPLE_HASH[1:], "rejection_status": "accepted"}, "hash"),
        ({"hash": SAMPLE_HASH, "rejection_status": "\x00"}, "rejection_status"),
        ({"hash": SAMPLE_HASH, "rejection_status": "accepted\x00"}, "rejection_status"),
    ],
    ids=["hash-nul", "hash-then-nul", "nul-inside-hash", "status-nul", "status-then-nul"],
)
def test_nul_byte_in_a_patch_field_answers_400_invalid_request(
    operator_client, sample_media, body, details
):
    before = fetch_row(SAMPLE_HASH)

    # json.dumps writes the NUL as the JSON escape \u0000, as a client would.
    response = patch_raw(operator_client, json.dumps(body))

    result = assert_command_error(response, 400, "Invalid request")
    assert list(result["details"]) == [details]
    if details == "rejection_status":
        assert result["message"] == BAD_VALUE
    assert fetch_row(SAMPLE_HASH) == before


def test_nul_byte_in_an_ignored_patch_field_changes_only_the_status(operator_client, sample_media):
    response = patch_raw(operator_client, json.dumps({**ACCEPT, "note\x00": "\x00"}))

    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_nul_byte_as_the_patch_path_hash_answers_400_hash_mismatch(operator_client, sample_media):
    response = operator_client.patch("/rear-diff/media/%00/rejection-status", ACCEPT, format="json")

    assert response.json() == {
        "success": False,
        "error": "Hash mismatch",
        "message": "Path hash and body hash do not match",
        "details": {"non_field_errors": ["Path hash and body hash do not match"]},
    }
    assert response.status_code == 400
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


# --- NUL bytes in headers and cookies (lookups the service makes for them) -------


def test_nul_byte_in_a_quoted_session_cookie_answers_without_a_server_error(
    api_client, sample_media
):
    """Django unquotes `"\\000"` in a cookie into a NUL: it must not reach the session query.

    Unlike a raw NUL (which gunicorn refuses), this spelling passes any HTTP server.
    """
    response = api_client.get(LIST, headers={"Cookie": 'sessionid="abc\\000defghijklmnop"'})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method", ["get", "patch"])
def test_nul_byte_in_a_token_answers_401_not_a_database_error(api_client, sample_media, method):
    path = LIST if method == "get" else PATCH_PATH
    credentials = {"Authorization": "Token abc\x00def"}

    if method == "get":
        response = api_client.get(path, headers=credentials)
    else:
        response = api_client.patch(path, ACCEPT, format="json", headers=credentials)

    assert response.status_code == 401, response.content
    assert response.json()["error"] == "Authentication required"


HOSTILE_REQUEST_IDS = pytest.mark.parametrize(
    "request_id", ["r" * 65, "x" * 4096, "abc\x00def"], ids=["65-chars", "4096-chars", "nul"]
)


@HOSTILE_REQUEST_IDS
def test_a_hostile_request_id_never_turns_a_patch_into_a_server_error(
    operator_client, sample_media, request_id
):
    """The client's X-Request-ID is written into the audit row: it must fit and be text."""
    response = operator_client.patch(
        PATCH_PATH, ACCEPT, format="json", headers={"X-Request-ID": request_id}
    )

    assert response.status_code == 200, response.content
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


@HOSTILE_REQUEST_IDS
def test_the_audit_record_keeps_the_request_id_the_response_and_the_log_carry(
    operator_client, sample_media, request_id, request_log
):
    """Whatever id the service makes of a hostile one, it uses that one id everywhere.

    Otherwise the id in the log line or the client's report finds no audit record.
    """
    response = operator_client.patch(
        PATCH_PATH, ACCEPT, format="json", headers={"X-Request-ID": request_id}
    )

    record = MediaChange.objects.get(media_hash=SAMPLE_HASH)
    assert record.request_id == response.headers["X-Request-ID"]
    (line,) = request_log()
    assert line.correlation_id == record.request_id


# --- invalid UTF-8 -------------------------------------------------------------


@pytest.mark.parametrize("name", ["media_title", "imdb_id"])
@pytest.mark.parametrize(
    "raw", ["%ff%fe", "%c0%80", "%ed%a0%80"], ids=["ff-fe", "overlong-nul", "surrogate"]
)
def test_invalid_utf8_in_a_free_text_parameter_is_an_odd_but_valid_query(
    api_client, sample_media, name, raw
):
    """Django decodes a query string with U+FFFD for bad bytes: a search that matches nothing."""
    response = api_client.get(f"{LIST}?{name}={raw}")

    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize(
    "name",
    [name for name in VALID_LIST_PARAMETERS if name not in {"media_title", "imdb_id"}],
)
def test_invalid_utf8_in_a_constrained_parameter_answers_400_naming_it(api_client, db, name):
    response = api_client.get(f"{LIST}?{name}=%ff%fe")

    assert_invalid_query(response, name)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"hash": "\xff"}',
        b'{"hash": "' + SAMPLE_HASH.encode() + b'", "rejection_status": "accepted\xc0\x80"}',
        b'\xff\xfe{\x00"\x00}\x00',
        b'{"hash": "' + SAMPLE_HASH.encode() + b'\xed\xa0\x80", "rejection_status": "accepted"}',
    ],
    ids=["ff-in-a-string", "overlong-nul", "utf16-bom", "encoded-surrogate"],
)
def test_invalid_utf8_in_a_patch_body_answers_400_invalid_request(
    operator_client, sample_media, raw
):
    before = fetch_row(SAMPLE_HASH)

    response = patch_raw(operator_client, raw)

    body = assert_command_error(response, 400, "Invalid request")
    assert set(body) == {"success", "error", "message"}
    assert body["message"].startswith("JSON parse error")
    assert fetch_row(SAMPLE_HASH) == before


def test_a_lone_surrogate_escape_in_a_patch_body_answers_400_invalid_request(
    operator_client, sample_media
):
    """Valid JSON (`\\ud800`) that is not valid Unicode text."""
    raw = f'{{"hash": "{SAMPLE_HASH}", "rejection_status": "\\ud800"}}'

    response = patch_raw(operator_client, raw)

    body = assert_command_error(response, 400, "Invalid request")
    assert body["message"] == BAD_VALUE
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


# --- very long parameters ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "length", "message"),
    [
        ("media_title", 100_000, "Ensure this value has at most 255 characters (it has 100000)."),
        ("imdb_id", 1_000, "Ensure this value has at most 10 characters (it has 1000)."),
    ],
)
def test_very_long_text_parameter_answers_400_naming_it(api_client, db, name, length, message):
    response = api_client.get(f"{LIST}?{name}={'a' * length}")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": {name: [message]}}


@pytest.mark.parametrize(
    "name", ["hash", "media_type", "pipeline_status", "rejection_status", "sort_by", "sort_order"]
)
def test_very_long_constrained_parameter_answers_400_naming_it(api_client, db, name):
    response = api_client.get(f"{LIST}?{name}={'a' * 10_000}")

    assert_invalid_query(response, name)


@pytest.mark.parametrize("path_hash", ["0.5", "a.b", "..."])
def test_patch_with_a_dot_in_the_path_hash_answers_in_the_command_shape(
    operator_client, sample_media, path_hash
):
    """Found by Schemathesis: the schema documents only the command shape for this path."""
    response = operator_client.patch(
        f"/rear-diff/media/{path_hash}/rejection-status", ACCEPT, format="json"
    )

    assert response.status_code in {400, 404}, response.content
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str) and isinstance(body["message"], str)
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


@pytest.mark.parametrize("path", [DETAIL, HISTORY, PATCH_PATH])
def test_very_long_path_hash_answers_a_contract_4xx(operator_client, db, path):
    long_path = path.replace(SAMPLE_HASH, "a" * 10_000)

    if path == PATCH_PATH:
        response = operator_client.patch(long_path, ACCEPT, format="json")
        assert_command_error(response, 400, "Hash mismatch")
    else:
        response = operator_client.get(long_path)
        assert response.status_code == 404
        assert response.json()["error"] == "Media not found"


# --- repeated parameters -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("media_type=movie&media_type=tv_show", "media_type"),
        ("media_type=movie&media_type=movie", "media_type"),
        ("limit=1&limit=2", "limit"),
        ("offset=0&offset=10", "offset"),
        ("sort_by=hash&sort_by=release_year", "sort_by"),
        ("media_title=a&media_title=b", "media_title"),
        ("error_status=true&error_status=false", "error_status"),
    ],
)
def test_repeated_list_parameter_answers_400_naming_it(api_client, db, query, name):
    response = api_client.get(f"{LIST}?{query}")

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request",
        "details": {name: [f"Give {name} at most once."]},
    }


@pytest.mark.parametrize("paging", ["limit=1&limit=2", "offset=0&offset=1"])
def test_repeated_paging_parameter_with_a_bad_filter_answers_400_naming_both(
    api_client, db, paging
):
    """Found by Schemathesis: the two kinds of error are merged into one answer."""
    name = paging.split("=")[0]

    response = api_client.get(f"{LIST}?hash=abc&{paging}")

    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": "Invalid request",
        "details": {
            "hash": ["Must be 40 hexadecimal characters."],
            name: [f"Give {name} at most once."],
        },
    }


def test_repeated_history_limit_answers_400_naming_it(api_client, sample_media):
    response = api_client.get(f"{HISTORY}?limit=1&limit=2")

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request",
        "details": {"limit": ["Give limit at most once."]},
    }


# --- limit and offset beyond 64 bits ------------------------------------------------

LIMIT_MESSAGE = "Must be an integer from 1 to 1000."
OFFSET_MESSAGE = "Must be an integer >= 0."


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("limit", str(2**64), LIMIT_MESSAGE),
        ("limit", str(-(2**64)), LIMIT_MESSAGE),
        ("offset", str(2**63), OFFSET_MESSAGE),
        ("offset", str(2**64), OFFSET_MESSAGE),
        ("offset", str(-(2**63) - 1), OFFSET_MESSAGE),
        ("offset", "9" * 5_000, OFFSET_MESSAGE),
        ("limit", "9" * 5_000, LIMIT_MESSAGE),
    ],
    ids=[
        "limit-2^64",
        "limit-minus-2^64",
        "offset-2^63",
        "offset-2^64",
        "offset-below-bigint",
        "offset-5000-digits",
        "limit-5000-digits",
    ],
)
@pytest.mark.parametrize("path", [LIST, HISTORY], ids=["list", "history"])
def test_limit_or_offset_beyond_64_bits_answers_400_naming_it(
    api_client, sample_media, path, name, value, message
):
    response = api_client.get(f"{path}?{name}={value}")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": {name: [message]}}


# --- bodies over the size limit: 413 -------------------------------------------------


def padded_body(size):
    """A valid PATCH body of exactly `size` bytes (JSON allows trailing whitespace)."""
    raw = json.dumps(ACCEPT)
    return raw + " " * (size - len(raw))


def test_body_over_the_size_limit_answers_413_in_the_command_shape(operator_client, sample_media):
    before = fetch_row(SAMPLE_HASH)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = patch_raw(operator_client, padded_body(limit + 1))

    body = assert_command_error(response, 413, "Request body too large")
    assert set(body) == {"success", "error", "message"}
    assert fetch_row(SAMPLE_HASH) == before


def test_body_far_over_the_size_limit_answers_413(operator_client, sample_media):
    response = patch_raw(operator_client, padded_body(4 * 1024 * 1024))

    assert_command_error(response, 413, "Request body too large")


def test_body_of_exactly_the_size_limit_is_accepted(operator_client, sample_media):
    response = patch_raw(operator_client, padded_body(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

    assert response.status_code == 200, response.content
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


# --- wrong Content-Type: 415 ---------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "multipart/form-data; boundary=x", "application/xml", "application/jsonx"],
)
def test_wrong_content_type_answers_415_in_the_command_shape(
    operator_client, sample_media, content_type
):
    response = patch_raw(operator_client, json.dumps(ACCEPT), content_type=content_type)

    assert response.status_code == 415
    assert response.json() == {
        "success": False,
        "error": "Unsupported media type",
        "message": f'Unsupported media type "{content_type}" in request.',
    }
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


# --- methods not allowed: 405 ----------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", [LIST, f"{LIST}/", DETAIL, f"{DETAIL}/", HISTORY])
def test_method_not_allowed_on_a_read_path_answers_405_in_the_read_shape(
    operator_client, sample_media, method, path
):
    before = fetch_row(SAMPLE_HASH)

    response = getattr(operator_client, method)(path, ACCEPT, format="json")

    assert response.status_code == 405
    assert response.json() == {
        "error": "Method not allowed",
        "details": f'Method "{method.upper()}" not allowed.',
    }
    assert fetch_row(SAMPLE_HASH) == before


# --- unknown paths: 404 JSON, never HTML ------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "/rear-diff/nope%00",
        "/rear-diff/%ff%fe",
        "/rear-diff/" + "x" * 10_000,
        f"{DETAIL}/unknown",
        "/rear-diff/static/missing.js",
        "/admin/",
    ],
    ids=["nul", "invalid-utf8", "10k-chars", "under-a-row", "missing-static-file", "admin"],
)
def test_unknown_path_answers_404_json_whatever_the_method(api_client, db, method, path):
    response = getattr(api_client, method)(path, headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "details"}
    assert body["error"] == "Not found"
    assert b"<html" not in response.content.lower()


# --- forced database errors leak nothing (DEBUG off) ---------------------------------


def strings_in(value):
    """Every string of a parsed JSON body, keys included."""
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *strings_in(item)]]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return [value] if isinstance(value, str) else []


def leaked_internals(response):
    """What of the service's internals the body shows; empty when it shows none.

    The body's request id is random hex, so it is taken out before searching
    for port numbers and names.
    """
    body = response.json()
    text = "\n".join(strings_in(body)).replace(body.get("request_id") or "\0", "")
    database = connection.settings_dict
    patterns = {
        "database name": re.escape(database["NAME"]),
        "database host": re.escape(database["HOST"] or "localhost"),
        "database port": rf"\b{re.escape(str(database['PORT']))}\b",
        "database user": rf"\b{re.escape(database['USER'])}\b",
        "secret key": re.escape(settings.SECRET_KEY),
        "media schema": rf"\b{re.escape(settings.MEDIA_SCHEMA)}\b",
        "column name": r"media_title|rejection_status",
        "SQL": r"\b(SELECT|UPDATE|INSERT|FROM|WHERE|ORDER BY)\b",
        "stack trace": r"Traceback|File \"|line \d+",
        "driver": r"psycopg|django\.db|OperationalError|ProgrammingError|\.s\.PGSQL",
        "connection text": r"connection to server|Connection refused|could not connect",
    }
    return [label for label, pattern in patterns.items() if re.search(pattern, text)]


@pytest.mark.parametrize("path", [LIST, DETAIL, f"{LIST}?media_title=Under&sort_by=media_title"])
def test_sql_error_body_carries_no_sql_no_settings_and_no_traceback(
    api_client, sample_media, path, settings
):
    settings.DEBUG = False
    break_reads()

    response = api_client.get(path)

    assert response.status_code == 500
    assert response.json()["error"] == "Database error occurred"
    assert leaked_internals(response) == []


def test_patch_sql_error_body_carries_no_sql_no_settings_and_no_traceback(
    operator_client, sample_media, settings
):
    settings.DEBUG = False
    break_writes()

    response = operator_client.patch(PATCH_PATH, ACCEPT, format="json")

    assert_command_error(response, 500, "Database error")
    assert leaked_internals(response) == []


@pytest.fixture
def database_down(django_db_setup, django_db_blocker):
    """Point the default connection at a local port where nothing listens (as if stopped).

    A bound, never-listening socket holds the port so every connection is refused
    at once. Not the db fixture: closing a connection inside its transaction
    would break the rollback. Settings are restored and the connection closed
    afterwards, so the next test connects to the test database as usual.
    """
    saved = dict(connection.settings_dict)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with django_db_blocker.unblock():
            connection.close()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
            try:
                yield port
            finally:
                connection.close()
                connection.settings_dict.clear()
                connection.settings_dict.update(saved)


@pytest.mark.parametrize("path", [LIST, DETAIL, HISTORY])
def test_database_down_read_answers_500_without_host_port_or_driver_text(
    api_client, database_down, path, settings
):
    settings.DEBUG = False

    response = api_client.get(path)

    assert response.status_code == 500
    assert response.json()["error"] == "Database error occurred"
    assert leaked_internals(response) == []


def test_database_down_patch_answers_500_in_the_command_shape_without_internals(
    api_client, database_down, settings
):
    """The token lookup is the first query: it fails, not the credentials."""
    settings.DEBUG = False

    response = api_client.patch(
        PATCH_PATH, ACCEPT, format="json", headers={"Authorization": f"Token {'0' * 40}"}
    )

    body = assert_command_error(response, 500, "Database error")
    assert set(body) == {"success", "error", "message", "request_id"}
    assert leaked_internals(response) == []


def test_database_down_readiness_answers_503_and_liveness_200(api_client, database_down):
    ready = api_client.get("/rear-diff/health/ready")
    alive = api_client.get("/rear-diff/health")

    assert ready.status_code == 503
    assert ready.json()["database"] == "unreachable"
    assert alive.status_code == 200


# --- statement_timeout: a slow query answers 503 and frees the worker --------------------


class TableLock:
    """ACCESS EXCLUSIVE on the media table, held by a second connection until released."""

    def __init__(self):
        database = connection.settings_dict
        self.connection = psycopg.connect(
            host=database["HOST"],
            port=database["PORT"],
            user=database["USER"],
            password=database["PASSWORD"] or None,
            dbname=database["NAME"],
        )
        # Never wait forever: if the test's own transaction already holds a lock
        # on the table, fail instead of deadlocking.
        self.connection.execute("SET lock_timeout = '5s'")
        self.connection.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")

    def release(self):
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


@pytest.fixture
def locked_media_table(db):
    """The media table locked by another session, and a 50 ms statement_timeout.

    The request runs on the test's own connection (the test client is
    in-process), inside the test's transaction, so SET LOCAL applies to it.
    Every query on the table waits for the lock until statement_timeout
    cancels it, as a slow query would be. No test using this touches the table
    before locking it (its transaction would hold a lock the LOCK waits for).
    """
    lock = TableLock()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '50ms'")
    yield lock
    lock.release()


QUERY_TIMEOUT = (
    "The database did not answer within the time limit; narrow the request or try again later."
)


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}?media_title=x&sort_by=media_title", DETAIL, HISTORY]
)
def test_query_cut_by_statement_timeout_answers_503_query_timeout(
    api_client, locked_media_table, path
):
    started = time.monotonic()
    savepoint = transaction.savepoint()

    response = api_client.get(path, headers={"X-Request-ID": "slow-query-1"})

    transaction.savepoint_rollback(savepoint)
    assert response.status_code == 503
    assert response.json() == {
        "error": "Query timeout",
        "details": QUERY_TIMEOUT,
        "request_id": "slow-query-1",
    }
    # Bounded by the 50 ms timeout, not by the lock (held for the whole test).
    assert time.monotonic() - started < 2


def test_patch_cut_by_statement_timeout_answers_503_in_the_command_shape(
    operator_client, locked_media_table
):
    response = operator_client.patch(
        PATCH_PATH, ACCEPT, format="json", headers={"X-Request-ID": "slow-patch-1"}
    )

    assert response.status_code == 503
    assert response.json() == {
        "success": False,
        "error": "Query timeout",
        "message": QUERY_TIMEOUT,
        "request_id": "slow-patch-1",
    }
    assert not MediaChange.objects.filter(media_hash=SAMPLE_HASH).exists()


def test_readiness_answers_503_when_the_media_table_does_not_answer_in_time(
    api_client, locked_media_table
):
    response = api_client.get("/rear-diff/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["media_table"] == "unreadable"


def test_after_a_statement_timeout_the_same_connection_serves_the_next_request(
    api_client, locked_media_table
):
    savepoint = transaction.savepoint()
    assert api_client.get(LIST).status_code == 503
    transaction.savepoint_rollback(savepoint)

    locked_media_table.release()
    response = api_client.get(LIST)

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 0


# --- the request log: one structured line per request --------------------------------


@pytest.fixture
def request_log(caplog):
    """Records of the `media.requests` logger as the console handler sees them.

    The request id (`correlation_id`) is added by django-guid's filter on the
    handler, not on the logger, so caplog's handler gets the same filter.
    """
    correlation = CorrelationId()
    caplog.handler.addFilter(correlation)
    caplog.set_level(logging.INFO, logger="media.requests")

    def records():
        return [record for record in caplog.records if record.name == "media.requests"]

    yield records
    caplog.handler.removeFilter(correlation)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", LIST, 200),
        ("get", f"{LIST}?limit=0", 400),
        ("get", "/rear-diff/nope", 404),
        ("post", LIST, 405),
        ("get", "/rear-diff/health", 200),
    ],
)
def test_each_request_logs_exactly_one_line_with_method_path_status_duration_and_id(
    operator_client, db, request_log, method, path, status
):
    response = getattr(operator_client, method)(path, headers={"X-Request-ID": "log-line-7"})

    assert response.status_code == status
    assert response.headers["X-Request-ID"] == "log-line-7"
    (record,) = request_log()
    assert record.method == method.upper()
    assert record.path == path.split("?")[0]
    assert record.status == status
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    assert record.correlation_id == "log-line-7"
    assert record.levelno == logging.INFO


def test_a_server_error_logs_one_request_line_at_error_level(api_client, sample_media, request_log):
    break_reads()

    response = api_client.get(LIST, headers={"X-Request-ID": "log-line-500"})

    assert response.status_code == 500
    (record,) = request_log()
    assert (record.status, record.levelno, record.correlation_id) == (
        500,
        logging.ERROR,
        "log-line-500",
    )


def test_a_request_without_an_id_logs_the_generated_one_it_returns(api_client, db, request_log):
    response = api_client.get(LIST)

    (record,) = request_log()
    assert response.headers["X-Request-ID"]
    assert record.correlation_id == response.headers["X-Request-ID"]


def test_json_formatter_writes_the_request_line_as_one_json_object(api_client, db, request_log):
    """The formatter of settings.LOGGING, built as dictConfig builds it, on a real record."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    formatter = configurator.configure_formatter(
        copy.deepcopy(settings.LOGGING["formatters"]["json"])
    )
    api_client.get(f"{LIST}?limit=1", headers={"X-Request-ID": "json-line-1"})
    (record,) = request_log()

    line = formatter.format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["method"] == "GET"
    assert entry["path"] == LIST
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["request_id"] == "json-line-1"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "media.requests"
    assert entry["time"]
    assert entry["message"].startswith("GET /rear-diff/media 200 ")


def test_log_format_json_makes_the_process_write_one_json_line_per_request():
    """A fresh process with LOG_FORMAT=json: its stderr is JSON, one object per request."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "client.get('/rear-diff/health', headers={'X-Request-ID': 'json-process-1'})\n"
        "client.get('/rear-diff/nope', headers={'X-Request-ID': 'json-process-2'})\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_FORMAT": "json",
        # What a deployment must set anyway; neither request touches the database.
        "SECRET_KEY": "test-only-json-log",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
    }

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    requests = [entry for entry in entries if entry.get("logger") == "media.requests"]
    assert [(e["request_id"], e["path"], e["status"]) for e in requests] == [
        ("json-process-1", "/rear-diff/health", 200),
        ("json-process-2", "/rear-diff/nope", 404),
    ]
    for entry in requests:
        assert entry["method"] == "GET"
        assert isinstance(entry["duration_ms"], float)
