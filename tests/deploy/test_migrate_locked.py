"""Migrating at start-up: `manage.py migrate_locked` and gunicorn's MIGRATE_ON_START.

Each test gets a fresh, empty database on the test server, as a new
deployment's first replicas see it, and runs the real commands in their own
processes.
"""

import subprocess
import time

import pytest
from django.urls import reverse

from media.demo.ddl import LATEST
from media.management.commands.migrate_locked import LOCK_KEY
from tests.support.database import connect, scratch_database, server_environment
from tests.support.server import GUNICORN, ROOT, ProductionServer, run_python, start_python

WAITING_FOR_THE_LOCK = """
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = %s
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


@pytest.fixture
def fresh_database(django_db_setup, django_db_blocker):
    """A database beside the test database holding only the pipeline's table, as a
    new deployment finds it (migrate's system checks look for that table)."""
    with scratch_database("fresh", generation=LATEST) as name:
        yield name


def applied_migrations(dbname):
    with connect(dbname) as database:
        rows = database.execute(
            "SELECT app, name FROM rear_diff.django_migrations ORDER BY id"
        ).fetchall()
    return [f"{app}.{name}" for app, name in rows]


def test_two_replicas_migrating_at_once_both_succeed_one_after_the_other(fresh_database):
    """Both start while the lock is held; they must queue on it, then both succeed."""
    environment = server_environment(PGSQL_NAME=fresh_database)
    with connect(fresh_database) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        replicas = start_python(
            ["manage.py", "migrate_locked", "--no-input"], environment, 2, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while holder.execute(WAITING_FOR_THE_LOCK, [LOCK_KEY]).fetchone()[0] < 2:
            finished = [replica for replica in replicas if replica.poll() is not None]
            assert not finished, [replica.communicate()[0] for replica in finished]
            assert time.monotonic() < deadline, "the replicas never waited for the lock"
            time.sleep(0.1)
        holder.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        outputs = [replica.communicate(timeout=120)[0] for replica in replicas]

    assert [replica.returncode for replica in replicas] == [0, 0], outputs
    assert sum("No migrations to apply." in output for output in outputs) == 1, outputs
    migrations = applied_migrations(fresh_database)
    assert "media.0003_hashed_tokens" in migrations
    assert len(migrations) == len(set(migrations))


def test_migrate_locked_leaves_nothing_unapplied(fresh_database):
    environment = server_environment(PGSQL_NAME=fresh_database)

    migrated = run_python(["manage.py", "migrate_locked", "--no-input"], environment)
    checked = run_python(["manage.py", "migrate", "--check"], environment)

    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_gunicorn_with_migrate_on_start_migrates_before_it_serves(fresh_database, tmp_path):
    environment = server_environment(PGSQL_NAME=fresh_database, MIGRATE_ON_START="true")

    with ProductionServer(environment, log=tmp_path / "gunicorn.log") as server:
        live = server.get(reverse("health"))[0]

    assert live == 200
    assert "media.0003_hashed_tokens" in applied_migrations(fresh_database)


def test_gunicorn_without_migrate_on_start_leaves_the_database_alone(fresh_database, tmp_path):
    environment = server_environment(PGSQL_NAME=fresh_database)
    with ProductionServer(environment, log=tmp_path / "gunicorn.log"):
        pass

    with connect(fresh_database) as database:
        schemas = database.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'rear_diff'"
        ).fetchone()[0]
    assert schemas == 0


def test_gunicorn_stops_when_migrate_on_start_fails(django_db_setup):
    environment = server_environment(PGSQL_NAME="no_such_database", MIGRATE_ON_START="true")
    gunicorn = [str(GUNICORN), "--config", "config/gunicorn.py", "config.asgi:application"]

    result = subprocess.run(
        gunicorn, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    assert "Error: MIGRATE_ON_START: migrate_locked exited 1" in result.stderr
