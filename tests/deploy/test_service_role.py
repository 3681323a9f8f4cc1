"""Least privilege: the service, its migrations and its writes work as a role with only its grants.

A database of its own holds today's table (G2, with atp.training) and rows;
the administrator SQL of docs/operations.md makes the role; then, connected as that role,
`migrate`, the drift check, `media_operator create` and the production server
(reads and a PATCH) all work, and the role owns nothing in `atp`.
"""

import http.client
import json
import re
import secrets
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.urls import reverse

from tests.support.api import item_path, status_path
from tests.support.database import connect, database_url, scratch_database, server_environment
from tests.support.events import EventStream
from tests.support.server import ROOT, ProductionServer, run_python

EVENTS = "/rear-diff/media/events"

OPERATIONS = ROOT / "docs" / "operations.md"


def administrator_sql(role: str, database: str) -> str:
    """docs/operations.md's SQL for the service's role, for `role` on `database`."""
    text = OPERATIONS.read_text()
    section = text[text.index("**The database role.**") :]
    sql = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
    sql = re.sub(r"\b(ROLE|TO|AUTHORIZATION) rear_diff\b", rf"\1 {role}", sql)
    return sql.replace("DATABASE pipeline", f'DATABASE "{database}"')


@pytest.fixture
def service_role(django_db_setup, django_db_blocker):
    """(database, role, environment connected as the role) on a copy of today's table."""
    role = f"rear_diff_test_{secrets.token_hex(3)}"
    try:
        with scratch_database("role", generation="g2") as name:
            environment = server_environment(PGSQL_NAME=name, THROTTLE_ANON_RATE="")
            made = run_python(
                ["manage.py", "media_generate", "--rows", "300", "--allow-external"], environment
            )
            assert made.returncode == 0, made.stderr
            with connect(name) as admin:
                admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
                admin.execute(administrator_sql(role, name))
            as_role = {
                **environment,
                "DATABASE_URL": database_url(name, user=role),
            }
            try:
                yield name, role, as_role
            finally:
                with connect(name) as admin:
                    admin.execute(f'DROP OWNED BY "{role}" CASCADE')
    finally:
        with connect() as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


LOG_IN_AND_COUNT_SESSIONS = (
    "from django.contrib.auth import get_user_model\n"
    "from django.contrib.sessions.models import Session\n"
    "from django.test import Client\n"
    "Client().force_login(get_user_model().objects.get(username='ops'))\n"
    "print(Session.objects.count())\n"
)


def manage(environment, *arguments):
    done = run_python(["manage.py", *arguments], environment, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_service_migrates_checks_and_serves_as_a_role_with_only_its_grants(
    service_role, tmp_path: Path
):
    name, role, environment = service_role

    migrated = manage(environment, "migrate_locked", "--no-input")
    assert migrated.count("Installed the change log's trigger") == 8  # 4 on each table
    manage(environment, "check", "--database", "default")
    created = manage(environment, "media_operator", "create", "ops")
    key = re.search(r"Token: (\S+)", created).group(1)

    with connect(name) as admin:
        deleted, visible = admin.execute(
            f"SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL), "
            f'count(*) FILTER (WHERE deleted_at IS NULL) FROM "{settings.MEDIA_SCHEMA}".media'
        ).fetchone()
        owned_in_pipeline = admin.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND pg_get_userbyid(c.relowner) = %s",
            [settings.MEDIA_SCHEMA, role],
        ).fetchone()[0]
    assert deleted > 0 and owned_in_pipeline == 0

    with ProductionServer(environment, log=tmp_path / "log") as server:
        status, _, body = server.get(f"{reverse('media-list')}?limit=1000")
        listing = json.loads(body)
        assert status == 200, body
        assert listing["pagination"]["total"] == visible
        assert any(item["genre"] for item in listing["data"])  # read from atp.training

        target = listing["data"][0]["hash"]
        status, _, _ = server.get(item_path(target))
        assert status == 200
        assert server.get(reverse("health-ready"))[0] == 200
        status, _, body = server.get(reverse("media-table"))
        assert status == 200 and json.loads(body)["change_log"]["mode"] == "log"

        # The live stream's poll reads the log and the table as the role.
        with EventStream(server.url(EVENTS)) as stream:
            assert stream.status == 200 and stream.ready() is not None
            changed = patch(server, target, key)
            assert stream.wait_for("media").data == {"action": "updated", "hashes": [target]}
        assert changed["success"] is True
        assert changed["data"]["rejection_status"] == "override"

    # The pipeline, as its own role, writes through the role's triggers into the role's log.
    with connect(name) as pipeline:
        pipeline.execute(f'UPDATE "{settings.MEDIA_SCHEMA}".media SET uploader = %s', ["p"])
        logged = pipeline.execute(
            f'SELECT count(*) FROM "{settings.DJANGO_SCHEMA}".change_log WHERE op = %s', ["U"]
        ).fetchone()[0]
    assert logged == 2  # the PATCH's and the pipeline's

    # Sessions are rows of the role's own schema: a login writes one, revoke deletes it.
    shell = manage(environment, "shell", "--no-imports", "-c", LOG_IN_AND_COUNT_SESSIONS)
    assert shell.strip() == "1"
    assert manage(environment, "media_operator", "revoke", "ops").endswith("Sessions ended: 1.\n")


def test_without_the_trigger_grant_the_service_validates_by_snapshot_and_says_how_to_enable(
    service_role, tmp_path: Path
):
    name, role, environment = service_role
    with connect(name) as admin:
        admin.execute(f'REVOKE TRIGGER ON "{settings.MEDIA_SCHEMA}".media FROM "{role}"')

    migrated = manage(environment, "migrate_locked", "--no-input")
    with connect(name) as admin:
        triggers = admin.execute(
            "SELECT count(*) FROM pg_trigger WHERE starts_with(tgname, 'rear_diff_change_log_') "
            "AND tgrelid = %s::regclass",
            [f'"{settings.MEDIA_SCHEMA}".media'],
        ).fetchone()[0]

    assert "No TRIGGER privilege on" in migrated and triggers == 0
    with ProductionServer(environment, log=tmp_path / "log") as server:
        assert server.get(reverse("media-list"))[0] == 200
        assert server.get(reverse("media-list"))[0] == 200
        described = json.loads(server.get(reverse("media-table"))[2])["change_log"]
        with EventStream(server.url(EVENTS)) as stream:  # no log: one resync, a long retry
            assert stream.next().retry == 30000 and stream.wait_for("resync") is not None
    assert described["mode"] == "snapshot"
    assert "media_change_log install" in described["detail"]
    assert "media_change_log install" in (tmp_path / "log").read_text()


def patch(server, target, key):
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps({"hash": target, "rejection_status": "override"})
    client.request(
        "PATCH",
        status_path(target),
        body=body,
        headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
    )
    response = client.getresponse()
    assert response.status == 200, response.read()
    return json.loads(response.read())


def test_the_role_cannot_change_the_pipelines_table_shape_nor_other_columns_outside_update(
    service_role,
):
    """What the grants leave out really is refused (the test above would pass with more)."""
    name, role, _ = service_role

    with connect(name, USER=role, PASSWORD="") as as_role:
        for statement in (
            f'DELETE FROM "{settings.MEDIA_SCHEMA}".media',
            f"INSERT INTO \"{settings.MEDIA_SCHEMA}\".training (imdb_id) VALUES ('tt0000001')",
            f'ALTER TABLE "{settings.MEDIA_SCHEMA}".media ADD COLUMN x int',
            f'CREATE TABLE "{settings.MEDIA_SCHEMA}".mine (x int)',
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                as_role.execute(statement)
