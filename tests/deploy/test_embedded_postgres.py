"""The embedded PostgreSQL: the first connection starts it, not the settings; make run releases it.

Each test runs Django in a subprocess on a cluster of its own under a
temporary LOCAL_STATE_DIR, with an environment built from scratch (no
configured database), as `make run` on a fresh machine has it.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from config.embedded_postgres import EmbeddedCluster
from tests.support.server import run_python, start_python

CONNECT = (
    "import django; django.setup()\n"
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SELECT current_database()')\n"
    "    print(cursor.fetchone()[0])\n"
)


def environment(local_state_dir):
    """Nothing configured but LOCAL_STATE_DIR, as on a fresh machine."""
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOCAL_STATE_DIR": str(local_state_dir),
    }


def run(arguments, local_state_dir):
    """A first start runs initdb, hence the time."""
    return run_python(arguments, environment(local_state_dir), timeout=120)


@pytest.fixture
def local_state_dir(settings):
    """A fresh LOCAL_STATE_DIR (not yet created) whose cluster, if one starts, is removed after.

    Under the project's own state folder, not pytest's tmp_path: as root the
    cluster runs as another user, who cannot enter pytest's private folders.
    """
    settings.LOCAL_STATE_DIR.mkdir(parents=True, exist_ok=True)
    parent = Path(tempfile.mkdtemp(prefix="test-embedded-", dir=settings.LOCAL_STATE_DIR))
    yield parent / "state"
    EmbeddedCluster(parent / "state" / "pgdata").stop()
    shutil.rmtree(parent)


@pytest.fixture
def cluster(local_state_dir):
    """A running cluster in local_state_dir, as the first connection leaves it."""
    assert run(["-c", CONNECT], local_state_dir).returncode == 0
    return EmbeddedCluster(local_state_dir / "pgdata").start()


def test_importing_the_settings_starts_no_database_and_writes_no_file(local_state_dir):
    shown = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run(["-c", f"import django; django.setup(); {shown}"], local_state_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "config.embedded_postgres"
    assert not local_state_dir.exists()


def test_collectstatic_needs_no_database_and_no_key(local_state_dir, tmp_path):
    """The Docker build runs it with nothing configured."""
    static_root = tmp_path / "static"
    result = run_python(
        ["manage.py", "collectstatic", "--no-input"],
        {
            "PATH": os.environ["PATH"],
            "LOCAL_STATE_DIR": str(local_state_dir),
            "STATIC_ROOT": str(static_root),
        },
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert (static_root / "rest_framework" / "css" / "default.css").is_file()
    assert not local_state_dir.exists()


def test_the_first_connection_starts_the_cluster_and_creates_the_database(local_state_dir):
    result = run(["-c", CONNECT], local_state_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "rear_diff"
    assert EmbeddedCluster(local_state_dir / "pgdata").is_running()


def test_processes_that_connect_at_once_to_a_new_folder_share_one_cluster(local_state_dir):
    """pytest-xdist's workers on a fresh clone: one runs initdb and creates the database."""
    processes = start_python(["-c", CONNECT], environment(local_state_dir), 3)
    results = [(process.wait(timeout=120), *process.communicate()) for process in processes]

    assert [(code, out.strip()) for code, out, _ in results] == [(0, "rear_diff")] * 3, results


def test_a_stopped_cluster_is_started_again_by_the_next_connection(cluster, local_state_dir):
    cluster.stop()
    assert not cluster.is_running()

    result = run(["-c", CONNECT], local_state_dir)

    assert result.returncode == 0, result.stderr
    assert cluster.is_running()


def test_release_stops_a_cluster_nobody_uses(cluster, local_state_dir):
    result = run(["-m", "config.embedded_postgres", "release"], local_state_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Stopped the embedded PostgreSQL under {local_state_dir / 'pgdata'}."
    )
    assert not cluster.is_running()


def test_release_keeps_a_cluster_another_client_uses(cluster, local_state_dir):
    with cluster.connect("rear_diff", application_name="a test run"):
        result = run(["-m", "config.embedded_postgres", "release"], local_state_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"The embedded PostgreSQL under {local_state_dir / 'pgdata'} keeps running: "
        "used by a test run (rear_diff)."
    )
    assert cluster.is_running()


def test_release_does_nothing_when_a_database_is_configured():
    result = run_python(
        ["-m", "config.embedded_postgres", "release"],
        {
            "PATH": os.environ["PATH"],
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "unused",
            "ALLOWED_HOSTS": "localhost",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "A database is configured (DATABASE_URL or PGSQL_*): no embedded PostgreSQL."
    )
