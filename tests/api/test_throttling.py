"""DRF's throttles (media/api/throttling.py): writes per user, unauthenticated requests per address,
never the probes; and a client cannot choose its own bucket with X-Forwarded-For.

SimpleRateThrottle.THROTTLE_RATES is bound once, when DRF's throttling module
is imported (rest_framework/throttling.py), so changing settings.REST_FRAMEWORK
in a test would not reach it: the tests set that class attribute instead. The
counters live in the default cache, emptied before and after each test. The
same through gunicorn is in tests/deploy/test_hostile_clients.py.
"""

import json
import secrets
import sqlite3

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle

from media.models import MediaChange
from media.operators import operator_create, token_issue
from tests.spec import SAMPLE_HASH
from tests.support.api import command_error, item_path, patch_status, token_client
from tests.support.database import deployment_environment
from tests.support.rows import fetch_row
from tests.support.server import run_python

WRITES = 3
ANON_READS = 4
FAILURES = 5


@pytest.fixture(autouse=True)
def low_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {
            "anon": f"{ANON_READS}/min",
            "write": f"{WRITES}/min",
            "auth_failure": f"{FAILURES}/min",
        },
    )


def throttled_message(response):
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    unit = "second" if wait == 1 else "seconds"
    return f"Request was throttled. Expected available in {wait} {unit}."


def forwarded(address):
    return {"X-Forwarded-For": address}


# --- writes, per user ---------------------------------------------------------------


def test_the_write_after_the_allowed_number_answers_429_with_retry_after(
    operator_client, sample_media
):
    for status in ["accepted", "override", "rejected"]:
        assert patch_status(operator_client, SAMPLE_HASH, status).status_code == 200

    response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 429
    assert response.json() == command_error("Too many requests", throttled_message(response))
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"
    assert MediaChange.objects.count() == WRITES


def test_another_user_may_still_write_when_one_is_throttled(operator_client, sample_media):
    for _ in range(WRITES + 1):
        patch_status(operator_client, SAMPLE_HASH, "accepted")
    operator_create(username="second-operator")
    second = token_client(token_issue(username="second-operator"))

    response = patch_status(second, SAMPLE_HASH, "override")

    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "override"


def test_a_throttled_user_may_still_read(operator_client, sample_media):
    for _ in range(WRITES + 1):
        patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert operator_client.get(item_path(SAMPLE_HASH)).status_code == 200


def test_refused_writes_count_too(operator_client, sample_media):
    """A client looping on a bad request is throttled like any other writer."""
    for _ in range(WRITES):
        assert patch_status(operator_client, SAMPLE_HASH, "bogus").status_code == 400

    assert patch_status(operator_client, SAMPLE_HASH, "accepted").status_code == 429


def test_anonymous_writes_with_auth_disabled_are_throttled_per_address(
    settings, api_client, sample_media
):
    settings.AUTH_DISABLED = True
    for _ in range(WRITES):
        assert patch_status(api_client, SAMPLE_HASH, "accepted").status_code == 200

    response = patch_status(api_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 429
    assert response.json()["success"] is False
    assert response.json()["error"] == "Too many requests"
    assert "Retry-After" in response.headers


# --- anonymous reads, per address ----------------------------------------------------------


@pytest.mark.parametrize(
    "path", [reverse("media-list"), item_path(SAMPLE_HASH)], ids=["list", "retrieve"]
)
def test_anonymous_reads_beyond_the_rate_answer_429_in_the_read_shape(
    api_client, sample_media, path
):
    for _ in range(ANON_READS):
        assert api_client.get(path).status_code == 200

    response = api_client.get(path)

    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests", "details": throttled_message(response)}


def test_the_previous_minute_still_counts_by_how_much_of_it_the_last_minute_covers(
    api_client, sample_media, monkeypatch
):
    """A sliding window: a burst at the end of one minute holds the start of the next."""
    clock = [60 * 1_000_000 + 50.0]  # 10 s before a minute's end
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: clock[0])
    for _ in range(ANON_READS):
        assert api_client.get(reverse("media-list")).status_code == 200
    clock[0] += 20  # 10 s into the next minute: 5/6 of the previous one still counts

    refused = api_client.get(reverse("media-list"))
    clock[0] += 30  # 40 s in: 1/3 of it, 4/3 requests, room for 2
    later = [api_client.get(reverse("media-list")).status_code for _ in range(3)]

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"  # 4 x (1 - 15/60) + 1 <= 4 from 15 s in
    assert later == [200, 200, 429]


def test_a_client_far_from_its_limit_is_counted_in_leases_of_requests(
    api_client, sample_media, monkeypatch
):
    """One shared write lets a process serve 1/32 of what the client has left."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "640/min"})
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 60 * 1_000_000 + 1.0)
    counter = "throttle_anon_127.0.0.1:1000000"

    api_client.get(reverse("media-list"))
    first = cache.get(counter)
    for _ in range(19):
        api_client.get(reverse("media-list"))
    after_twenty = cache.get(counter)
    api_client.get(reverse("media-list"))

    assert (first, after_twenty, cache.get(counter)) == (20, 20, 20 + 620 // 32)


def test_a_counter_the_cache_cannot_update_lets_the_request_through(
    api_client, sample_media, monkeypatch
):
    def failing(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(cache, "incr", failing)

    assert api_client.get(reverse("media-list")).status_code == 200


def test_authenticated_reads_are_not_held_to_the_anonymous_rate(reader_client, sample_media):
    statuses = {reader_client.get(reverse("media-list")).status_code for _ in range(ANON_READS * 2)}

    assert statuses == {200}


@pytest.mark.parametrize(
    "headers", [{}, forwarded("198.51.100.1")], ids=["plain", "same-x-forwarded-for"]
)
def test_without_trusted_proxies_clients_are_told_apart_by_their_socket_address(
    api_client, sample_media, headers
):
    for _ in range(ANON_READS + 1):
        api_client.get(reverse("media-list"), headers=headers)

    other_client = api_client.get(reverse("media-list"), headers=headers, REMOTE_ADDR="192.0.2.7")

    assert other_client.status_code == 200


def test_a_new_x_forwarded_for_per_request_does_not_escape_the_anonymous_rate(
    api_client, sample_media
):
    statuses = [
        api_client.get(reverse("media-list"), headers=forwarded(f"198.51.100.{i}")).status_code
        for i in range(ANON_READS + 2)
    ]

    assert statuses == [200] * ANON_READS + [429, 429]


def test_behind_one_trusted_proxy_the_bucket_is_the_address_the_proxy_appended(
    api_client, sample_media, settings
):
    """A proxy appends the address it saw; what the client wrote before it is ignored."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    statuses = [
        api_client.get(
            reverse("media-list"), headers=forwarded(f"10.0.0.{i}, 198.51.100.7")
        ).status_code
        for i in range(ANON_READS + 1)
    ]
    other_client = api_client.get(
        reverse("media-list"), headers=forwarded("10.0.0.1, 198.51.100.8")
    )

    assert statuses == [200] * ANON_READS + [429]
    assert other_client.status_code == 200


# --- failed token authentications, per address ------------------------------------------


def random_token_get(**extra):
    return token_client(secrets.token_hex(32)).get(reverse("media-list"), **extra)


def test_failed_token_authentications_beyond_the_rate_answer_429_without_a_lookup(
    sample_media, reader
):
    """DRF authenticates before it throttles: without counting, every bad token is a 401 and a
    database lookup, however many."""
    statuses = [random_token_get().status_code for _ in range(FAILURES)]
    with CaptureQueriesContext(connection) as queries:
        response = random_token_get()
    valid_here = token_client(token_issue(username=reader.username)).get(reverse("media-list"))

    assert statuses == [401] * FAILURES
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests", "details": throttled_message(response)}
    assert not [q for q in queries if AuthToken._meta.db_table in q["sql"]]
    assert len(cache.get("throttle_auth_failure_127.0.0.1")) == FAILURES
    assert valid_here.status_code == 429  # the address waits, whichever key it sends next


def test_failed_token_authentications_count_per_address(sample_media, reader):
    for _ in range(FAILURES + 1):
        random_token_get()

    elsewhere = random_token_get(REMOTE_ADDR="192.0.2.7")
    valid_elsewhere = token_client(token_issue(username=reader.username)).get(
        reverse("media-list"), REMOTE_ADDR="192.0.2.8"
    )

    assert elsewhere.status_code == 401
    assert valid_elsewhere.status_code == 200
    assert cache.get("throttle_auth_failure_192.0.2.8") is None


def test_a_request_without_credentials_is_no_failed_authentication(api_client, sample_media):
    for _ in range(FAILURES + 1):
        random_token_get()

    assert api_client.get(item_path(SAMPLE_HASH)).status_code == 200


@pytest.mark.parametrize("probe", ["health", "health-ready"])
def test_probes_are_never_throttled(api_client, sample_media, probe):
    for _ in range(ANON_READS + 1):
        api_client.get(reverse("media-list"))
    assert api_client.get(reverse("media-list")).status_code == 429

    statuses = {api_client.get(reverse(probe)).status_code for _ in range(ANON_READS * 3)}

    assert statuses == {200}


def test_rates_come_from_the_environment_and_an_empty_rate_turns_a_throttle_off():
    environment = deployment_environment(
        THROTTLE_ANON_RATE="5/min", THROTTLE_WRITE_RATE="", THROTTLE_AUTH_FAILURE_RATE="7/min"
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))"
    )

    result = run_python(["-c", code], environment)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"anon": "5/min", "write": None, "auth_failure": "7/min"}
