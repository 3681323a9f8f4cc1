"""When the database fails: a 500 (or a 503 for a slow query) in the shape of the path, carrying
the request id and nothing of the service's internals.

Failures are real: the table made unreadable or unwritable inside the test's
transaction (tests/support/rows.py), the connection pointed where nothing
listens, a lock held by a second session.
"""

import re

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from media.models import MediaChange
from tests.spec import SAMPLE_HASH
from tests.support.api import (
    command_error,
    history_path,
    item_path,
    patch_status,
    signed_in_client,
)
from tests.support.database import connect
from tests.support.rows import TABLE, break_reads, break_writes, unchanged

# What an error text must not show: SQL, the table and its columns, the driver, a trace.
SQL_TRACES = re.compile(
    r"\b(SELECT|UPDATE|INSERT|FROM|WHERE|SET|ORDER BY|LIMIT|COUNT)\b|atp|\"media\"|media_title|"
    r"rejection_status|psycopg|Traceback|column|relation|does not exist|exception|refused|"
    r"postgres|rear_diff",
    re.IGNORECASE,
)


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


# --- a query that fails: 500 ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        reverse("media-list"),
        reverse("media-list") + "/",
        f"{reverse('media-list')}?media_title=Under&sort_by=media_title",
        item_path(SAMPLE_HASH),
    ],
    ids=["list", "list-slash", "filtered-sorted", "retrieve"],
)
def test_database_error_on_read_answers_500_with_the_request_id_and_no_internals(
    api_client, sample_media, path, settings
):
    settings.DEBUG = False
    break_reads()

    response = api_client.get(path)

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "details", "request_id"}
    assert body["error"] == "Database error occurred"
    assert isinstance(body["details"], str) and body["details"]
    assert not SQL_TRACES.search(body["details"]), body["details"]
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert leaked_internals(response) == []


@pytest.mark.parametrize(
    "break_database", [break_reads, break_writes], ids=["reads-fail", "trigger-raises"]
)
def test_patch_database_error_answers_500_with_the_request_id_and_no_internals(
    operator_client, sample_media, break_database, settings
):
    settings.DEBUG = False
    break_database()

    response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"success", "error", "message", "request_id"}
    assert (body["success"], body["error"]) == (False, "Database error")
    assert body["message"]
    assert not SQL_TRACES.search(body["message"]), body["message"]
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert leaked_internals(response) == []


def test_patch_database_error_leaves_the_row_unchanged(operator_client, sample_media):
    break_writes()

    with unchanged(SAMPLE_HASH):
        response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 500


def read(client, **options):
    return client.get(reverse("media-list"), **options)


def write(client, **options):
    return patch_status(client, SAMPLE_HASH, "accepted", **options)


# How the table fails, the request that meets it, the error the database raises, and the
# answer around its text: the read shape's `details` or the command shape's `message`.
FAILURES = [
    pytest.param(
        break_reads,
        read,
        "division by zero",
        ("details", {"error": "Database error occurred"}),
        id="read",
    ),
    pytest.param(
        break_writes,
        write,
        "disk quota exceeded on tablespace atp_media",
        ("message", {"success": False, "error": "Database error"}),
        id="write",
    ),
]


@pytest.mark.parametrize(("break_database", "send", "cause", "shape"), FAILURES)
def test_database_error_with_debug_on_carries_the_error_text(
    operator_client, sample_media, settings, break_database, send, cause, shape
):
    settings.DEBUG = True
    break_database()

    response = send(operator_client)

    assert response.status_code == 500
    text, fields = shape
    body = response.json()
    assert cause in body[text]
    assert body == {**fields, text: body[text], "request_id": response.headers["X-Request-ID"]}


@pytest.mark.parametrize(("break_database", "send", "cause", "shape"), FAILURES)
def test_database_error_is_logged_with_the_request_id_and_the_error(
    operator_client, sample_media, caplog, break_database, send, cause, shape
):
    break_database()

    response = send(operator_client, headers={"X-Request-ID": "trace-log-1"})

    assert response.status_code == 500
    assert response.json()["request_id"] == "trace-log-1"
    logged = [
        record
        for record in caplog.records
        if record.levelname == "ERROR" and "trace-log-1" in record.getMessage()
    ]
    assert logged
    assert cause in logged[0].getMessage()


# --- the database is down: 500 -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [reverse("media-list"), item_path(SAMPLE_HASH), history_path(SAMPLE_HASH)],
    ids=["list", "retrieve", "history"],
)
def test_database_down_read_answers_500_without_host_port_or_driver_text(
    database_down, path, settings
):
    settings.DEBUG = False

    response = signed_in_client().get(path)

    assert response.status_code == 500
    assert response.json()["error"] == "Database error occurred"
    assert leaked_internals(response) == []


def test_database_down_patch_answers_500_in_the_command_shape_without_internals(
    api_client, database_down, settings
):
    """The token lookup is the first query: it fails, not the credentials."""
    settings.DEBUG = False

    response = patch_status(
        api_client, SAMPLE_HASH, "accepted", headers={"Authorization": f"Token {'0' * 40}"}
    )

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"success", "error", "message", "request_id"}
    assert (body["success"], body["error"]) == (False, "Database error")
    assert leaked_internals(response) == []


# --- statement_timeout: a slow query answers 503 and frees the worker --------------------

QUERY_TIMEOUT = (
    "The database did not answer within the time limit; narrow the request or try again later."
)


@pytest.fixture
def locked_media_table(db):
    """The media table locked by another session, and a 50 ms statement_timeout.

    The request runs on the test's own connection (the test client is
    in-process), inside the test's transaction, so SET LOCAL applies to it.
    Every query on the table waits for the lock until statement_timeout
    cancels it, as a slow query would be. No test using this touches the table
    before locking it (its transaction would hold a lock the LOCK waits for).
    """
    lock = connect()
    lock.autocommit = False
    # Never wait forever: if the test's own transaction already holds a lock
    # on the table, fail instead of deadlocking.
    lock.execute("SET lock_timeout = '5s'")
    lock.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '50ms'")
    yield lock
    lock.close()


@pytest.mark.parametrize(
    "path",
    [
        reverse("media-list"),
        f"{reverse('media-list')}?media_title=x&sort_by=media_title",
        item_path(SAMPLE_HASH),
        history_path(SAMPLE_HASH),
    ],
    ids=["list", "filtered-sorted", "retrieve", "history"],
)
def test_query_cut_by_statement_timeout_answers_503_query_timeout(locked_media_table, path):
    savepoint = transaction.savepoint()

    response = signed_in_client().get(path, headers={"X-Request-ID": "slow-query-1"})

    transaction.savepoint_rollback(savepoint)
    assert response.status_code == 503
    assert response.json() == {
        "error": "Query timeout",
        "details": QUERY_TIMEOUT,
        "request_id": "slow-query-1",
    }
    # The lock is held for the whole test: only the statement timeout ends the query.


def test_patch_cut_by_statement_timeout_answers_503_in_the_command_shape(
    operator_client, locked_media_table
):
    response = patch_status(
        operator_client, SAMPLE_HASH, "accepted", headers={"X-Request-ID": "slow-patch-1"}
    )

    assert response.status_code == 503
    assert response.json() == command_error(
        "Query timeout", QUERY_TIMEOUT, request_id="slow-patch-1"
    )
    assert not MediaChange.objects.filter(media_hash=SAMPLE_HASH).exists()


def test_readiness_answers_503_when_the_media_table_does_not_answer_in_time(
    api_client, locked_media_table
):
    response = api_client.get(reverse("health-ready"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["media_table"] == "unreadable"


def test_after_a_statement_timeout_the_same_connection_serves_the_next_request(
    api_client, locked_media_table
):
    savepoint = transaction.savepoint()
    assert api_client.get(reverse("media-list")).status_code == 503
    transaction.savepoint_rollback(savepoint)

    locked_media_table.close()
    response = api_client.get(reverse("media-list"))

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 0
