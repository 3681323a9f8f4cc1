"""Operators and their tokens, managed with `manage.py media_operator`.

Each command runs through call_command with its standard output captured; the
keys it prints are then used against the API exactly as a script would.
"""

import io
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from media.models import RejectionStatusChange
from tests.conftest import fetch_row

pytestmark = pytest.mark.usefixtures("clear_throttles")

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
URL = f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"


def media_operator(*args):
    out = io.StringIO()
    call_command("media_operator", *args, stdout=out)
    return out.getvalue()


def patch_with(key, rejection_status="accepted"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.patch(
        URL, {"hash": SAMPLE_HASH, "rejection_status": rejection_status}, format="json"
    )


def key_of(username):
    return Token.objects.get(user__username=username).key


def assert_refused_as_invalid_token(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "success": False,
        "error": "Authentication required",
        "message": "Invalid token.",
    }


@pytest.fixture
def alice(db):
    """An operator made by the command; its printed token."""
    output = media_operator("create", "alice")
    return output.splitlines()[-1].removeprefix("Token: ")


def test_operators_group_exists_after_migrate_with_the_change_permission(db):
    group = Group.objects.get(name="operators")

    assert [(p.content_type.app_label, p.codename) for p in group.permissions.all()] == [
        ("media", "change_rejection_status")
    ]


def test_create_prints_the_operator_and_a_token_that_changes_a_row(db, sample_media):
    output = media_operator("create", "alice")

    key = key_of("alice")
    assert output == f"Created operator alice.\nToken: {key}\n"
    response = patch_with(key)
    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
    assert RejectionStatusChange.objects.get(media_hash=SAMPLE_HASH).changed_by_name == "alice"


def test_create_puts_the_user_in_operators_with_no_usable_password(db):
    media_operator("create", "alice", "--email", "alice@example.org")

    user = get_user_model().objects.get(username="alice")
    assert list(user.groups.values_list("name", flat=True)) == ["operators"]
    assert user.has_perm("media.change_rejection_status")
    assert user.email == "alice@example.org"
    assert not user.has_usable_password()


def test_create_of_an_existing_user_keeps_its_token(alice):
    output = media_operator("create", "alice")

    assert output == f"Updated operator alice.\nToken: {alice}\n"


def test_create_makes_an_existing_user_an_operator(db, sample_media):
    get_user_model().objects.create_user("bob")

    output = media_operator("create", "bob")

    assert output.startswith("Updated operator bob.\n")
    assert patch_with(key_of("bob")).status_code == 200


def logs_in(username, password):
    """Whether the browsable API's login form accepts the password."""
    client = APIClient(enforce_csrf_checks=True)
    client.get("/rear-diff/api-auth/login/")
    response = client.post(
        "/rear-diff/api-auth/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    return response.status_code == 302 and "sessionid" in client.cookies


def test_create_with_password_from_stdin_sets_a_password_that_logs_in(db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery staple\n"))

    output = media_operator("create", "alice", "--password-from-stdin")

    assert output.startswith("Created operator alice.\nPassword set.\n")
    user = get_user_model().objects.get(username="alice")
    assert user.has_usable_password()
    assert user.check_password("correct horse battery staple")
    assert logs_in("alice", "correct horse battery staple")


def test_create_with_password_from_stdin_sets_the_password_of_an_existing_user(alice, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery staple\n"))

    output = media_operator("create", "alice", "--password-from-stdin")

    assert output.startswith("Updated operator alice.\nPassword set.\n")
    assert logs_in("alice", "correct horse battery staple")


def test_create_with_a_new_password_replaces_the_old_one(db, monkeypatch):
    for password in ["first password", "second password"]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(f"{password}\n"))
        media_operator("create", "alice", "--password-from-stdin")

    assert logs_in("alice", "second password")
    assert not logs_in("alice", "first password")


def test_password_from_stdin_with_an_empty_line_is_a_command_error(alice, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))

    with pytest.raises(CommandError, match=r"standard input has no password"):
        media_operator("create", "alice", "--password-from-stdin")

    assert not get_user_model().objects.get(username="alice").has_usable_password()


def test_token_prints_the_key_create_issued(alice):
    assert media_operator("token", "alice") == f"{alice}\n"


def test_token_issues_a_key_for_a_user_without_one_but_grants_no_permission(db, sample_media):
    get_user_model().objects.create_user("reader")

    key = media_operator("token", "reader").strip()

    assert key == key_of("reader")
    response = patch_with(key)
    assert response.status_code == 403
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_rotate_prints_a_new_key_the_old_one_answers_401_the_new_one_works(alice, sample_media):
    output = media_operator("rotate", "alice")

    new_key = output.strip()
    assert output == f"{new_key}\n"
    assert new_key != alice
    assert new_key == key_of("alice")
    assert_refused_as_invalid_token(patch_with(alice))
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"
    assert patch_with(new_key).status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_token_after_rotate_prints_the_new_key(alice):
    new_key = media_operator("rotate", "alice").strip()

    assert media_operator("token", "alice") == f"{new_key}\n"


def test_revoke_makes_the_key_answer_401(alice, sample_media):
    output = media_operator("revoke", "alice")

    assert output == "Token revoked.\n"
    assert not Token.objects.filter(user__username="alice").exists()
    assert_refused_as_invalid_token(patch_with(alice))
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"
    assert not RejectionStatusChange.objects.exists()


def test_revoke_twice_says_there_is_no_token(alice):
    media_operator("revoke", "alice")

    assert media_operator("revoke", "alice") == "No token to revoke.\n"


def test_token_after_revoke_issues_a_fresh_key(alice, sample_media):
    media_operator("revoke", "alice")

    key = media_operator("token", "alice").strip()

    assert key != alice
    assert patch_with(key).status_code == 200


@pytest.mark.parametrize("action", ["token", "rotate", "revoke"])
def test_unknown_user_is_a_command_error(db, action):
    with pytest.raises(CommandError, match=r"^No user named 'nobody'\.$"):
        media_operator(action, "nobody")

    assert not Token.objects.exists()
