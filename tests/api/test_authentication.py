"""Who the caller is: tokens (media/api/authentication.py, django-rest-knox) and sessions (the
browsable API's login), each refused when it cannot be trusted.

Migration 0003 moves rest_framework.authtoken's clear-text keys into knox as
digests; the legacy-key tests unapply it inside the test's transaction
(PostgreSQL's DDL is transactional, and the db fixture rolls everything back),
make a key the old way with DRF's own Token model, and apply it again.
"""

import hashlib
import io

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from media.models import MediaChange
from media.operators import operator_create, token_issue, token_revoke
from tests.spec import SAMPLE_HASH
from tests.support.api import (
    command_error,
    item_path,
    log_in,
    patch_status,
    token_client,
)
from tests.support.rows import fetch_row, unchanged

# Who the caller is does not depend on the table's generation: today's is enough.
pytestmark = pytest.mark.tables("g2")

NOT_PROVIDED = "Authentication credentials were not provided."
BEFORE_HASHING = ("media", "0002_audit_and_operator_permission")
HASHING = ("media", "0003_hashed_tokens")
# 0003 and every migration after it, as a deployment applies them (0005 renames the audit table).
LATEST = ("media", "0006_service_request_id")

# --- tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "patch"])
def test_nul_byte_in_a_token_answers_401_not_a_database_error(sample_media, method):
    client = token_client("abc\x00def")

    if method == "get":
        response = client.get(reverse("media-list"))
    else:
        response = patch_status(client, SAMPLE_HASH, "accepted")

    assert response.status_code == 401, response.content
    assert response.json()["error"] == "Authentication required"


def test_a_deactivated_operators_token_answers_401(operator, sample_media):
    client = token_client(token_issue(username=operator.username))
    operator.is_active = False
    operator.save()

    response = patch_status(client, SAMPLE_HASH, "accepted")

    assert response.status_code == 401
    assert response.json() == command_error("Authentication required", "User inactive or deleted.")
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def migrate_to(target):
    MigrationExecutor(connection).migrate([target])


@pytest.fixture
def legacy_key(db):
    """A key made by rest_framework.authtoken before migration 0003 ran."""
    migrate_to(BEFORE_HASHING)
    user, _ = operator_create(username="legacy-operator")
    return Token.objects.create(user=user).key


def test_a_key_from_before_the_migration_still_changes_a_row_after_it(legacy_key, sample_media):
    migrate_to(LATEST)

    response = patch_status(token_client(legacy_key), SAMPLE_HASH, "accepted")

    assert response.status_code == 200, response.content
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_after_the_migration_no_table_holds_the_old_key_in_clear_text(legacy_key):
    migrate_to(HASHING)

    assert not Token.objects.exists()
    (token,) = AuthToken.objects.all()
    assert token.user.username == "legacy-operator"
    assert token.digest == hashlib.sha512(legacy_key.encode()).hexdigest()
    assert token.expiry is None
    assert legacy_key not in {token.digest, token.token_key}


def test_a_key_revoked_after_the_migration_answers_401(legacy_key, sample_media):
    migrate_to(HASHING)

    token_revoke(username="legacy-operator")

    assert patch_status(token_client(legacy_key), SAMPLE_HASH, "accepted").status_code == 401


# --- sessions (the browsable API) ----------------------------------------------------

PASSWORD = "a-long-operator-password"


@pytest.fixture
def csrf_client(settings):
    # A fast hasher: these tests are about sessions, not password storage.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return APIClient(enforce_csrf_checks=True)


def session_patch(client, with_csrf):
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value} if with_csrf else {}
    return patch_status(client, SAMPLE_HASH, "accepted", headers=headers)


@pytest.fixture
def logged_in_operator(csrf_client, db):
    operator_create(username="session-operator", password=PASSWORD)
    response = log_in(csrf_client, "session-operator", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("media-list")
    return csrf_client


def test_login_form_posted_without_its_csrf_token_is_refused(csrf_client, db):
    operator_create(username="session-operator", password=PASSWORD)
    csrf_client.get(reverse("rest_framework:login"))

    response = csrf_client.post(
        reverse("rest_framework:login"), {"username": "session-operator", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "sessionid" not in csrf_client.cookies


def test_login_with_a_wrong_password_does_not_log_in(csrf_client, db):
    operator_create(username="session-operator", password=PASSWORD)

    response = log_in(csrf_client, "session-operator", "wrong")

    assert response.status_code == 200  # the form again, with its error
    assert "sessionid" not in csrf_client.cookies


def test_session_patch_with_the_csrf_token_answers_200_and_records_the_user(
    logged_in_operator, sample_media
):
    response = session_patch(logged_in_operator, with_csrf=True)

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
    change = MediaChange.objects.get(media_hash=SAMPLE_HASH)
    assert change.changed_by_name == "session-operator"


def test_session_patch_without_the_csrf_token_answers_403_and_changes_nothing(
    logged_in_operator, sample_media
):
    with unchanged(SAMPLE_HASH):
        response = session_patch(logged_in_operator, with_csrf=False)

    assert response.status_code == 403
    assert response.json() == command_error("Permission denied", "CSRF Failed: CSRF token missing.")
    assert not MediaChange.objects.filter(media_hash=SAMPLE_HASH).exists()


def test_session_patch_by_a_user_without_the_permission_answers_403(csrf_client, sample_media):
    get_user_model().objects.create_user("session-reader", password=PASSWORD)
    assert log_in(csrf_client, "session-reader", PASSWORD).status_code == 302

    response = session_patch(csrf_client, with_csrf=True)

    assert response.status_code == 403
    assert response.json() == command_error(
        "Permission denied", "You do not have permission to perform this action."
    )


def test_session_satisfies_read_auth_required(settings, logged_in_operator, sample_media):
    settings.READ_AUTH_REQUIRED = True

    response = logged_in_operator.get(item_path(SAMPLE_HASH))

    assert response.status_code == 200
    assert response.json()["hash"] == SAMPLE_HASH


def test_after_logout_the_session_no_longer_writes(logged_in_operator, sample_media):
    logout = logged_in_operator.post(
        reverse("rest_framework:logout"),
        headers={"X-CSRFToken": logged_in_operator.cookies["csrftoken"].value},
    )
    assert logout.status_code in (200, 302)

    response = session_patch(logged_in_operator, with_csrf=True)

    assert response.status_code == 401
    assert response.json() == command_error("Authentication required", NOT_PROVIDED)
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def same_browser(client):
    """A second client sending the cookies `client` holds now, as a stolen or kept cookie would."""
    copy = APIClient(enforce_csrf_checks=True)
    for name in ("sessionid", "csrftoken"):
        copy.cookies[name] = client.cookies[name].value
    return copy


def test_logout_ends_the_session_on_the_server_not_only_in_the_browser(
    logged_in_operator, sample_media
):
    kept = same_browser(logged_in_operator)
    logged_in_operator.post(
        reverse("rest_framework:logout"),
        headers={"X-CSRFToken": logged_in_operator.cookies["csrftoken"].value},
    )

    with unchanged(SAMPLE_HASH):
        response = session_patch(kept, with_csrf=True)

    assert response.status_code == 401
    assert not Session.objects.exists()
    assert not MediaChange.objects.filter(media_hash=SAMPLE_HASH).exists()


def test_revoke_ends_the_operators_sessions(logged_in_operator, sample_media):
    """A revoked operator's kept session cookie (with its CSRF token) no longer writes."""
    other = APIClient(enforce_csrf_checks=True)
    operator_create(username="other-operator", password=PASSWORD)
    assert log_in(other, "other-operator", PASSWORD).status_code == 302
    kept = same_browser(logged_in_operator)
    out = io.StringIO()

    call_command("media_operator", "revoke", "session-operator", stdout=out)

    with unchanged(SAMPLE_HASH):
        response = session_patch(kept, with_csrf=True)
    assert out.getvalue() == "No token to revoke.\nSessions ended: 1.\n"
    assert response.status_code == 401
    assert not MediaChange.objects.filter(media_hash=SAMPLE_HASH).exists()
    (remaining,) = Session.objects.all()
    assert remaining.get_decoded()[SESSION_KEY] == str(
        get_user_model().objects.get(username="other-operator").pk
    )
    assert session_patch(other, with_csrf=True).status_code == 200


def test_nul_byte_in_a_quoted_session_cookie_answers_without_a_server_error(
    api_client, sample_media
):
    """Django unquotes `"\\000"` in a cookie into a NUL: it must not reach the session query.

    Unlike a raw NUL (which gunicorn refuses), this spelling passes any HTTP server.
    """
    response = api_client.get(
        reverse("media-list"), headers={"Cookie": 'sessionid="abc\\000defghijklmnop"'}
    )

    assert response.status_code == 200, response.content


def test_browsable_api_links_to_login_under_rear_diff(api_client, db):
    response = api_client.get(reverse("media-list"), headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "href='/rear-diff/api-auth/login/?next=/rear-diff/media'" in response.content.decode()


def test_browsable_api_links_to_logout_under_rear_diff_when_logged_in(logged_in_operator, db):
    response = logged_in_operator.get(reverse("media-list"), headers={"Accept": "text/html"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "session-operator" in page
    assert 'action="/rear-diff/api-auth/logout/?next=/rear-diff/media"' in page
