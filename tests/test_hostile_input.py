"""Hostile and malformed input, faults and the request log (issue 5).

Every case runs in-process against the real test database; nothing is mocked.
What each proves: a client can make the service answer a 4xx or a contract
error, never a 5xx it did not mean, never HTML, never a leak of its internals.
"""

from pathlib import Path

import pytest

from media.models import Media

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


# --- invalid UTF-8 -------------------------------------------------------------


# --- very long parameters ------------------------------------------------------


# --- repeated parameters -------------------------------------------------------


# --- limit and offset beyond 64 bits ------------------------------------------------


# --- bodies over the size limit: 413 -------------------------------------------------


# --- wrong Content-Type: 415 ---------------------------------------------------------


# --- methods not allowed: 405 ----------------------------------------------------------


# --- unknown paths: 404 JSON, never HTML ------------------------------------------------


# --- forced database errors leak nothing (DEBUG off) ---------------------------------


# --- statement_timeout: a slow query answers 503 and frees the worker --------------------


# --- the request log: one structured line per request --------------------------------
