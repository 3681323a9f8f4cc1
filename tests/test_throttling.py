"""DRF's throttles: writes per user, unauthenticated requests per address, never the probes.

SimpleRateThrottle.THROTTLE_RATES is bound once, when DRF's throttling module
is imported (rest_framework/throttling.py), so changing settings.REST_FRAMEWORK
in a test would not reach it: the tests set that class attribute instead. The
counters live in the default cache, emptied before and after each test.
"""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from media.models import MediaChange
from media.operators import operator_create, token_issue
from tests.conftest import fetch_row
from tests.support.database import deployment_environment
from tests.support.server import run_python

pytestmark = pytest.mark.usefixtures("clear_throttles")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
URL = f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"
WRITES = 3
ANON_READS = 4


@pytest.fixture(autouse=True)
def low_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": f"{ANON_READS}/min", "write": f"{WRITES}/min"},
    )


def patch(client, rejection_status="accepted"):
    return client.patch(
        URL, {"hash": SAMPLE_HASH, "rejection_status": rejection_status}, format="json"
    )


def client_of(username):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(username=username)}")
    return client


def throttled_message(response):
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    unit = "second" if wait == 1 else "seconds"
    return f"Request was throttled. Expected available in {wait} {unit}."


def test_the_write_after_the_allowed_number_answers_429_with_retry_after(
    operator_client, sample_media
):
    statuses = ["accepted", "override", "rejected"]
    for status in statuses:
        assert patch(operator_client, status).status_code == 200

    response = patch(operator_client, "accepted")

    assert response.status_code == 429
    assert response.json() == {
        "success": False,
        "error": "Too many requests",
        "message": throttled_message(response),
    }
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"
    assert MediaChange.objects.count() == WRITES


def test_another_user_may_still_write_when_one_is_throttled(operator_client, sample_media):
    for _ in range(WRITES + 1):
        patch(operator_client)
    operator_create(username="second-operator")

    response = patch(client_of("second-operator"), "override")

    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "override"


def test_a_throttled_user_may_still_read(operator_client, sample_media):
    for _ in range(WRITES + 1):
        patch(operator_client)

    assert operator_client.get(f"/rear-diff/media/{SAMPLE_HASH}").status_code == 200


def test_refused_writes_count_too(operator_client, sample_media):
    """A client looping on a bad request is throttled like any other writer."""
    for _ in range(WRITES):
        assert patch(operator_client, "bogus").status_code == 400

    assert patch(operator_client).status_code == 429


@pytest.mark.parametrize(
    "path",
    [
        "/rear-diff/media",
        f"/rear-diff/media/{SAMPLE_HASH}",
        f"/rear-diff/media/{SAMPLE_HASH}/history",
    ],
)
def test_anonymous_reads_beyond_the_rate_answer_429_in_the_read_shape(
    api_client, sample_media, path
):
    for _ in range(ANON_READS):
        assert api_client.get(path).status_code == 200

    response = api_client.get(path)

    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests", "details": throttled_message(response)}


def test_authenticated_reads_are_not_held_to_the_anonymous_rate(db, sample_media):
    get_user_model().objects.create_user("reader")
    client = client_of("reader")

    statuses = {client.get("/rear-diff/media").status_code for _ in range(ANON_READS * 2)}

    assert statuses == {200}


def test_anonymous_rate_is_per_address(api_client, sample_media):
    for _ in range(ANON_READS + 1):
        api_client.get("/rear-diff/media")

    response = api_client.get("/rear-diff/media", REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/rear-diff/health", "/rear-diff/health/ready"])
def test_probes_are_never_throttled(api_client, sample_media, path):
    for _ in range(ANON_READS + 1):
        api_client.get("/rear-diff/media")
    assert api_client.get("/rear-diff/media").status_code == 429

    statuses = {api_client.get(path).status_code for _ in range(ANON_READS * 3)}

    assert statuses == {200}


def test_anonymous_writes_with_auth_disabled_are_throttled_per_address(
    settings, api_client, sample_media
):
    settings.AUTH_DISABLED = True
    for _ in range(WRITES):
        assert patch(api_client).status_code == 200

    response = patch(api_client)

    assert response.status_code == 429
    assert response.json()["success"] is False
    assert response.json()["error"] == "Too many requests"
    assert "Retry-After" in response.headers


def test_rates_come_from_the_environment_and_an_empty_rate_turns_a_throttle_off():
    environment = deployment_environment(THROTTLE_ANON_RATE="5/min", THROTTLE_WRITE_RATE="")
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))"
    )

    result = run_python(["-c", code], environment)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"anon": "5/min", "write": None}
