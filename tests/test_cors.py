"""Cross-origin use by the React/Vite front-end: a preflighted JSON PATCH."""

import pytest

from tests.support.rows import fetch_row

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
URL = f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"
VITE = "http://localhost:5173"


@pytest.fixture(autouse=True)
def allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [VITE]


def preflight(client, origin, path=URL):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def listed(header_value):
    return {item.strip().lower() for item in header_value.split(",")}


@pytest.mark.parametrize("path", [URL, URL + "/"], ids=["no-slash", "slash"])
def test_preflight_from_an_allowed_origin_grants_patch_with_json(operator_client, db, path):
    response = preflight(operator_client, VITE, path)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == VITE
    assert "patch" in listed(response.headers["Access-Control-Allow-Methods"])
    assert "content-type" in listed(response.headers["Access-Control-Allow-Headers"])


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
def test_preflight_from_another_origin_gets_no_cors_grant(operator_client, db, origin):
    response = preflight(operator_client, origin)

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_no_origin_is_allowed_when_none_is_configured(operator_client, db, settings):
    settings.CORS_ALLOWED_ORIGINS = []

    response = preflight(operator_client, VITE)

    assert "Access-Control-Allow-Origin" not in response.headers


def test_patch_from_the_allowed_origin_succeeds_with_the_grant_header(
    operator_client, sample_media
):
    response = operator_client.patch(
        URL,
        {"hash": SAMPLE_HASH, "rejection_status": "accepted"},
        format="json",
        headers={"Origin": VITE},
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == VITE
    assert "x-request-id" in listed(response.headers["Access-Control-Expose-Headers"])
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_patch_error_from_the_allowed_origin_also_carries_the_grant_header(operator_client, db):
    """The front-end can only read a 4xx body when the response is granted too."""
    response = operator_client.patch(
        URL,
        {"hash": SAMPLE_HASH, "rejection_status": "nope"},
        format="json",
        headers={"Origin": VITE},
    )

    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == VITE


def test_patch_from_another_origin_gets_no_grant_header(operator_client, sample_media):
    response = operator_client.patch(
        URL,
        {"hash": SAMPLE_HASH, "rejection_status": "accepted"},
        format="json",
        headers={"Origin": "http://evil.example"},
    )

    assert "Access-Control-Allow-Origin" not in response.headers
