"""Keys issued before tokens were hashed keep working; the demo operator keeps its key.

Migration 0003 moves rest_framework.authtoken's clear-text keys into knox as
digests. The test unapplies it inside the test's transaction (PostgreSQL's
DDL is transactional, and the db fixture rolls everything back), makes a key
the old way, with DRF's own Token model, and applies it again.
"""

import hashlib
import io
import stat

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from knox.models import AuthToken
from rest_framework.authtoken.models import Token

from media.operators import operator_create, token_revoke
from tests.conftest import fetch_row

pytestmark = pytest.mark.usefixtures("clear_throttles")

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
URL = f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"
BEFORE_HASHING = ("media", "0002_audit_and_operator_permission")
HASHING = ("media", "0003_hashed_tokens")
# 0003 and every migration after it, as a deployment applies them (0005 renames the audit table).
LATEST = ("media", "0005_history")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def patch_with(api_client, key):
    return api_client.patch(
        URL,
        {"hash": SAMPLE_HASH, "rejection_status": "accepted"},
        format="json",
        headers={"Authorization": f"Token {key}"},
    )


@pytest.fixture
def legacy_key(db):
    """A key made by rest_framework.authtoken before migration 0003 ran."""
    migrate_to(BEFORE_HASHING)
    user, _ = operator_create(username="legacy-operator")
    return Token.objects.create(user=user).key


def test_a_key_from_before_the_migration_still_changes_a_row_after_it(
    legacy_key, sample_media, api_client
):
    migrate_to(LATEST)

    response = patch_with(api_client, legacy_key)

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


def test_a_key_revoked_after_the_migration_answers_401(legacy_key, sample_media, api_client):
    migrate_to(HASHING)

    token_revoke(username="legacy-operator")

    assert patch_with(api_client, legacy_key).status_code == 401


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


def test_media_demo_prints_the_same_working_key_on_every_run(
    demo, tmp_path, sample_media, api_client
):
    first, second = demo(), demo()

    assert first == second
    assert stat.S_IMODE((tmp_path / "demo_token").stat().st_mode) == 0o600
    assert patch_with(api_client, first).status_code == 200


def test_media_demo_issues_a_new_key_when_the_kept_one_no_longer_works(
    demo, sample_media, api_client
):
    old = demo()
    token_revoke(username="demo-operator")

    new = demo()

    assert new != old
    assert patch_with(api_client, old).status_code == 401
    assert patch_with(api_client, new).status_code == 200
