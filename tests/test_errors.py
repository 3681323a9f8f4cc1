"""Error bodies of the read endpoints: database failures, request ids, unknown paths."""

import re

import pytest

from media.models import Media
from tests.support.rows import break_reads

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
TABLE = Media._meta.db_table
SQL_TRACES = re.compile(
    r"\b(SELECT|FROM|WHERE|ORDER BY|LIMIT|COUNT)\b|atp|\"media\"|media_title|psycopg|"
    r"Traceback|column|relation|does not exist|postgres|rear_diff",
    re.IGNORECASE,
)


READ_PATHS = ["/rear-diff/media", "/rear-diff/media/", f"/rear-diff/media/{SAMPLE_HASH}"]


@pytest.mark.parametrize("path", READ_PATHS, ids=["list", "list-slash", "retrieve"])
def test_database_error_on_read_answers_500_without_sql_and_with_the_request_id(
    api_client, sample_media, path
):
    break_reads()

    response = api_client.get(path)

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "details", "request_id"}
    assert body["error"] == "Database error occurred"
    assert isinstance(body["details"], str) and body["details"]
    assert not SQL_TRACES.search(body["details"]), body["details"]
    assert body["request_id"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_database_error_answers_the_client_supplied_request_id(api_client, sample_media):
    break_reads()

    response = api_client.get("/rear-diff/media", headers={"X-Request-ID": "front-end-4f2a9c"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "front-end-4f2a9c"
    assert response.json()["request_id"] == "front-end-4f2a9c"


def test_client_supplied_request_id_is_echoed_on_a_successful_list(api_client, db):
    response = api_client.get("/rear-diff/media", headers={"X-Request-ID": "trace-123"})

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "trace-123"


def test_request_id_header_is_generated_when_the_client_sends_none(api_client, db):
    first = api_client.get("/rear-diff/media")
    second = api_client.get("/rear-diff/media")

    assert first.headers["X-Request-ID"]
    assert second.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_request_id_header_is_exposed_to_cross_origin_scripts(api_client, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]

    response = api_client.get("/rear-diff/media", headers={"Origin": "http://localhost:5173"})

    exposed = [
        h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")
    ]
    assert "x-request-id" in exposed


def test_database_error_with_debug_on_carries_the_error_text(api_client, sample_media, settings):
    settings.DEBUG = True
    break_reads()

    response = api_client.get("/rear-diff/media")

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "details", "request_id"}
    assert body["error"] == "Database error occurred"
    assert "division by zero" in body["details"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_database_error_is_logged_with_the_request_id_and_the_error(
    api_client, sample_media, caplog
):
    break_reads()

    response = api_client.get("/rear-diff/media", headers={"X-Request-ID": "trace-log-1"})

    assert response.status_code == 500
    logged = [
        record
        for record in caplog.records
        if record.levelname == "ERROR" and "trace-log-1" in record.getMessage()
    ]
    assert logged
    assert "division by zero" in logged[0].getMessage()


@pytest.mark.parametrize(
    "path",
    ["/rear-diff/nope", "/nope", "/", "/rear-diff/media/x/y/z", "/rear-diffmedia"],
)
def test_unknown_path_answers_404_json_not_html(api_client, db, path):
    response = api_client.get(path, headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "Not found", "details": f"No endpoint at {path}"}
