"""Failed password logins (the browsable API's form, the admin's) throttled by django-axes: per
client address and per username, in the default cache, 429 with Retry-After, even for the
right password, which is then not checked at all.
"""

import pytest
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from rest_framework.test import APIClient

from media.operators import operator_create
from tests.support.api import ADMIN, log_in

PASSWORD = "a-long-operator-password"
LIMIT = 3
LOCKOUT_SECONDS = 600


@pytest.fixture(autouse=True)
def login_limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = settings.AXES_COOLOFF_TIME.__class__(seconds=LOCKOUT_SECONDS)
    # A fast hasher: these tests are about counting, not password storage.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db):
    user, _ = operator_create(username="alice", password=PASSWORD)
    return user


def attempt(username, password, address="192.0.2.1", **extra):
    return log_in(APIClient(), username, password, REMOTE_ADDR=address, **extra)


def assert_locked_out(response):
    assert response.status_code == 429, response.content
    assert response["Retry-After"] == str(LOCKOUT_SECONDS)
    assert response.json() == {
        "error": "Too many requests",
        "details": "Too many failed logins from this address or for this username; "
        f"try again in {LOCKOUT_SECONDS} seconds.",
    }


def assert_never_logged_in(user):
    user.refresh_from_db()
    assert user.last_login is None
    assert not Session.objects.exists()


def test_after_the_limit_even_the_right_password_answers_429(alice):
    failures = [attempt("alice", "wrong").status_code for _ in range(LIMIT)]

    response = attempt("alice", PASSWORD)

    assert failures == [200] * (LIMIT - 1) + [429]  # the form again, then the lockout
    assert_locked_out(response)
    assert_never_logged_in(alice)
    # Counted in the default cache, per address and per username: the three failures and
    # the attempt that met the lockout.
    keys = get_client_cache_keys(AccessAttempt(username="alice", ip_address="192.0.2.1"))
    assert [cache.get(key) for key in keys] == [LIMIT + 1, LIMIT + 1]


def test_failures_for_one_username_from_many_addresses_lock_that_username(alice):
    for n in range(LIMIT):
        attempt("alice", "wrong", address=f"198.51.100.{n}")

    response = attempt("alice", PASSWORD, address="203.0.113.9")

    assert_locked_out(response)
    assert_never_logged_in(alice)


def test_failures_from_one_address_lock_that_address_for_every_username(alice):
    for n in range(LIMIT):
        attempt(f"nobody-{n}", "wrong")

    here = attempt("alice", PASSWORD)
    elsewhere = attempt("alice", PASSWORD, address="203.0.113.9")

    assert_locked_out(here)
    assert elsewhere.status_code == 302
    assert Session.objects.count() == 1


def test_a_made_up_x_forwarded_for_does_not_escape_the_address_count(alice):
    """Without TRUSTED_PROXIES the connection's address counts, as for the throttles."""
    for n in range(LIMIT):
        attempt(f"nobody-{n}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert_locked_out(attempt("alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99"))
    assert_never_logged_in(alice)


def test_behind_a_trusted_proxy_the_address_it_appended_counts(alice, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(LIMIT):
        attempt(f"nobody-{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7")

    same_client = attempt("alice", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")
    other_client = attempt("alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert_locked_out(same_client)
    assert other_client.status_code == 302


@pytest.mark.usefixtures("admin_on")
def test_the_admins_login_is_throttled_too(db):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    for _ in range(LIMIT):
        attempt("root", "wrong", url=f"{ADMIN}login/")

    response = attempt("root", PASSWORD, url=f"{ADMIN}login/")

    assert_locked_out(response)
    assert_never_logged_in(root)
