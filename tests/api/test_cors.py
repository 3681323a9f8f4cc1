"""Cross-origin use by the React/Vite front-end: a preflighted, credentialed JSON PATCH, and the
headers its scripts may read. Only the configured origin, exactly, gets a grant.
"""

import pytest

from tests.spec import SAMPLE_HASH
from tests.support.api import item_path, patch_status, status_path
from tests.support.rows import fetch_row

VITE = "http://localhost:5173"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [VITE]


def preflight(client, origin, path=None):
    return client.options(
        path or status_path(SAMPLE_HASH),
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, authorization, if-match",
        },
    )


def listed(header_value):
    return {item.strip().lower() for item in header_value.split(",")}


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_preflight_from_the_allowed_origin_grants_a_credentialed_json_patch_to_it_only(
    operator_client, db, slash
):
    response = preflight(operator_client, VITE, status_path(SAMPLE_HASH) + slash)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == VITE
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "patch" in listed(response.headers["Access-Control-Allow-Methods"])
    assert {"content-type", "authorization", "if-match", "x-csrftoken"} <= listed(
        response.headers["Access-Control-Allow-Headers"]
    )


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://localhost:5174",
        "https://localhost:5173",
        "http://127.0.0.1:5173",
        "null",
    ],
)
def test_preflight_from_another_origin_gets_no_grant_and_no_credentials(
    operator_client, db, origin
):
    response = preflight(operator_client, origin)

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_no_origin_is_allowed_when_none_is_configured(operator_client, db, settings):
    settings.CORS_ALLOWED_ORIGINS = []

    response = preflight(operator_client, VITE)

    assert "Access-Control-Allow-Origin" not in response.headers


def test_patch_from_the_allowed_origin_succeeds_with_the_grant_header(
    operator_client, sample_media
):
    response = patch_status(operator_client, SAMPLE_HASH, "accepted", headers={"Origin": VITE})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == VITE
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "x-request-id" in listed(response.headers["Access-Control-Expose-Headers"])
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_patch_error_from_the_allowed_origin_also_carries_the_grant_header(operator_client, db):
    """The front-end can only read a 4xx body when the response is granted too."""
    response = patch_status(operator_client, SAMPLE_HASH, "nope", headers={"Origin": VITE})

    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == VITE


def test_patch_from_another_origin_gets_no_grant_header(operator_client, sample_media):
    response = patch_status(
        operator_client, SAMPLE_HASH, "accepted", headers={"Origin": "http://evil.example"}
    )

    assert "Access-Control-Allow-Origin" not in response.headers


def test_cross_origin_scripts_may_read_etag_retry_after_and_the_request_id(
    api_client, sample_media
):
    """The front-end needs ETag for If-Match and Retry-After after a 429 (CORS_EXPOSE_HEADERS)."""
    response = api_client.get(item_path(SAMPLE_HASH), headers={"Origin": VITE})

    assert response.status_code == 200
    assert {"etag", "retry-after", "x-request-id"} <= listed(
        response.headers["Access-Control-Expose-Headers"]
    )
