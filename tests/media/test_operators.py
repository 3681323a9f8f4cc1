"""media/operators.py: operators and their tokens, as `manage.py media_operator` and
`media_demo` manage them.

Each command runs through call_command with its standard output captured; the
keys it prints are then used against the API exactly as a script would. The
database keeps only a digest of each key (django-rest-knox), so a key is
printed once, when it is issued.
"""

import hashlib
import io
import stat
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from media.models import MediaChange
from media.operators import token_revoke
from tests.spec import SAMPLE_HASH
from tests.support.api import command_error, log_in, patch_status, token_client
from tests.support.database import deployment_environment
from tests.support.rows import fetch_row
from tests.support.server import refusal, run_python


def media_operator(*args):
    out = io.StringIO()
    call_command("media_operator", *args, stdout=out)
    return out.getvalue()


def printed_key(output):
    return output.splitlines()[-1].removeprefix("Token: ")


def patch_with(key):
    return patch_status(token_client(key), SAMPLE_HASH, "accepted")


def assert_refused_as_invalid_token(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == command_error("Authentication required", "Invalid token.")


def has_token_message(username):
    return (
        f"{username} already has a token; its key was shown when it was issued and is not "
        f"stored. `manage.py media_operator rotate {username}` replaces it with a new one."
    )


@pytest.fixture
def alice(db):
    """An operator made by the command; its printed token."""
    return printed_key(media_operator("create", "alice"))


def test_operators_group_exists_after_migrate_with_the_change_permission(db):
    group = Group.objects.get(name="operators")

    assert {(p.content_type.app_label, p.codename) for p in group.permissions.all()} == {
        ("media", "change_rejection_status"),
        ("media", "change_pipeline_status"),
    }


def test_create_prints_the_operator_and_a_token_that_changes_a_row(db, sample_media):
    output = media_operator("create", "alice")

    key = printed_key(output)
    assert output == f"Created operator alice.\nToken: {key}\n"
    assert len(key) == 64
    response = patch_with(key)
    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
    assert MediaChange.objects.get(media_hash=SAMPLE_HASH).changed_by_name == "alice"


def test_the_database_keeps_only_a_digest_of_the_key(alice):
    """What a dump of the token tables shows: the SHA-512 digest, never the key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t::text FROM knox_authtoken t UNION ALL SELECT t::text FROM authtoken_token t"
        )
        dumped = [row for (row,) in cursor.fetchall()]

    assert len(dumped) == 1
    assert alice not in dumped[0]
    assert hashlib.sha512(alice.encode()).hexdigest() in dumped[0]


def test_create_puts_the_user_in_operators_with_no_usable_password(db):
    media_operator("create", "alice", "--email", "alice@example.org")

    user = get_user_model().objects.get(username="alice")
    assert list(user.groups.values_list("name", flat=True)) == ["operators"]
    assert user.has_perm("media.change_rejection_status")
    assert user.email == "alice@example.org"
    assert not user.has_usable_password()


def test_create_of_an_operator_with_a_token_neither_shows_nor_changes_it(alice, sample_media):
    output = media_operator("create", "alice")

    assert output == f"Updated operator alice.\n{has_token_message('alice')}\n"
    assert patch_with(alice).status_code == 200


def test_create_makes_an_existing_user_an_operator_with_a_token(db, sample_media):
    get_user_model().objects.create_user("bob")

    output = media_operator("create", "bob")

    assert output.startswith("Updated operator bob.\nToken: ")
    assert patch_with(printed_key(output)).status_code == 200


def logs_in(username, password):
    """Whether the browsable API's login form accepts the password."""
    client = APIClient(enforce_csrf_checks=True)
    response = log_in(client, username, password)
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


def test_token_issues_a_key_for_a_user_without_one_but_grants_no_permission(db, sample_media):
    get_user_model().objects.create_user("reader")

    output = media_operator("token", "reader")

    key = output.strip()
    assert output == f"{key}\n"
    response = patch_with(key)
    assert response.status_code == 403
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_token_for_a_user_who_has_one_says_to_rotate_and_keeps_the_key(alice, sample_media):
    with pytest.raises(CommandError) as refused:
        media_operator("token", "alice")

    assert str(refused.value) == has_token_message("alice")
    assert patch_with(alice).status_code == 200


def test_rotate_prints_a_new_key_the_old_one_answers_401_the_new_one_works(alice, sample_media):
    output = media_operator("rotate", "alice")

    new_key = output.strip()
    assert output == f"{new_key}\n"
    assert new_key != alice
    assert_refused_as_invalid_token(patch_with(alice))
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"
    assert patch_with(new_key).status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_revoke_makes_the_key_answer_401(alice, sample_media):
    output = media_operator("revoke", "alice")

    assert output == "Token revoked.\nSessions ended: 0.\n"
    assert not AuthToken.objects.filter(user__username="alice").exists()
    assert_refused_as_invalid_token(patch_with(alice))
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"
    assert not MediaChange.objects.exists()


def test_revoke_twice_says_there_is_no_token(alice):
    media_operator("revoke", "alice")

    assert media_operator("revoke", "alice") == "No token to revoke.\nSessions ended: 0.\n"


def test_token_after_revoke_issues_a_fresh_key(alice, sample_media):
    media_operator("revoke", "alice")

    key = media_operator("token", "alice").strip()

    assert key != alice
    assert patch_with(key).status_code == 200


@pytest.mark.parametrize("action", ["token", "rotate", "revoke"])
def test_unknown_user_is_a_command_error(db, action):
    with pytest.raises(CommandError, match=r"^No user named 'nobody'\.$"):
        media_operator(action, "nobody")

    assert not AuthToken.objects.exists()


# --- TOKEN_TTL: tokens that expire -------------------------------------------------


def test_with_a_token_ttl_a_new_token_expires_after_it(db, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=30)}
    before = timezone.now()

    media_operator("create", "alice")

    expiry = AuthToken.objects.get(user__username="alice").expiry
    assert before + timedelta(days=30) <= expiry <= timezone.now() + timedelta(days=30)


def test_an_expired_token_answers_401_and_the_operator_may_get_a_new_one(alice, sample_media):
    AuthToken.objects.filter(user__username="alice").update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    assert_refused_as_invalid_token(patch_with(alice))
    key = media_operator("token", "alice").strip()
    assert patch_with(key).status_code == 200


def test_without_token_ttl_tokens_never_expire(alice):
    assert AuthToken.objects.get(user__username="alice").expiry is None


SHOW_TTL = (
    "import django; django.setup(); "
    "from knox.settings import knox_settings; print(knox_settings.TOKEN_TTL)"
)


@pytest.mark.parametrize(
    ("ttl", "shown"),
    [(None, "None"), ("P90D", "90 days, 0:00:00"), ("3600", "1:00:00")],
)
def test_token_ttl_comes_from_the_environment(django_db_setup, ttl, shown):
    result = run_python(["-c", SHOW_TTL], deployment_environment(TOKEN_TTL=ttl))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == shown


@pytest.mark.parametrize("ttl", ["soon", "0", "-60"])
def test_a_token_ttl_that_is_not_a_positive_duration_stops_the_service(django_db_setup, ttl):
    result = run_python(["-c", SHOW_TTL], deployment_environment(TOKEN_TTL=ttl))

    assert refusal(result).startswith(f"TOKEN_TTL={ttl!r} is not a positive duration")


# --- media_demo: the same key on every `make run` ------------------------------------


@pytest.fixture
def demo(db, settings, tmp_path):
    """media_demo as `make run` calls it on the embedded database, state in tmp_path.

    The media table has a row already (sample_media), so no demo rows are loaded.
    """
    settings.EMBEDDED_DATABASE = True
    settings.LOCAL_STATE_DIR = tmp_path

    def run():
        out = io.StringIO()
        call_command("media_demo", stdout=out)
        (line,) = [line for line in out.getvalue().splitlines() if "export TOKEN=" in line]
        return line.split("export TOKEN=")[1].split()[0]

    return run


def test_media_demo_prints_the_same_working_key_on_every_run(demo, tmp_path, sample_media):
    first, second = demo(), demo()

    assert first == second
    assert stat.S_IMODE((tmp_path / "demo_token").stat().st_mode) == 0o600
    assert patch_with(first).status_code == 200


def test_media_demo_issues_a_new_key_when_the_kept_one_no_longer_works(demo, sample_media):
    old = demo()
    token_revoke(username="demo-operator")

    new = demo()

    assert new != old
    assert patch_with(old).status_code == 401
    assert patch_with(new).status_code == 200
