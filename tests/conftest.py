"""Fixtures: a test database holding the real media table, row factories, and the
production server (gunicorn as the Dockerfile starts it) on the test database."""

import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from rest_framework.test import APIClient

from media.management.commands.media_generate import COLUMNS, generate_row
from media.models import Media
from media.operators import operator_create, token_issue
from media.schema import create_media_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Give the test database the production table from media/sql, triggers included.

    Not schema_editor.create_model: that would make varchar columns where
    production has enums, and no triggers.
    https://pytest-django.readthedocs.io/en/latest/database.html#django-db-setup
    """
    with django_db_blocker.unblock():
        create_media_table(replace=True)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def operator(db):
    """A user of the `operators` group, as `media_operator create` makes one."""
    user, _ = operator_create(username="operator")
    return user


@pytest.fixture
def operator_client(operator):
    """An API client sending the operator's token, as the front-end does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(username=operator.username)}")
    return client


@pytest.fixture
def make_media(db):
    """Insert generated rows; keyword overrides apply to every row made."""
    counter = iter(range(10**6))

    def make(n=1, seed=7, **overrides):
        rng = random.Random(seed)
        rows = []
        for _ in range(n):
            values = dict(zip(COLUMNS, generate_row(rng, seed, next(counter)), strict=True))
            values.update(overrides)
            rows.append(Media(**values))
        Media.objects.bulk_create(rows)
        return rows

    return make


@pytest.fixture
def sample_media(db):
    """The sample row of media-table.md, as the pipeline stored it."""
    from datetime import UTC, datetime

    return Media.objects.create(
        hash="eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1",
        media_type="movie",
        media_title="40 Under 40",
        release_year=2013,
        pipeline_status="rejected",
        error_status=False,
        error_condition="media ratings API status code: 401",
        rejection_status="rejected",
        rejection_reason="resolution 720p is not in allowed_values",
        original_title="40 Under 40 (2013) [720p] [WEBRip] [YTS.MX]",
        original_link="https://yts.mx/torrent/download/EB50F630702E8A59EF6ECFAF9F5EECAE7A9856A1",
        genre=["Documentary"],
        language=["en"],
        imdb_id="tt2759766",
        resolution="720p",
        upload_type="WEBRip",
        tmdb_id=802473,
        created_at=datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC),
        updated_at=datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC),
    )


def fetch_row(hash_value):
    """The row as the database holds it, bypassing the ORM's field conversion."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Media._meta.db_table} WHERE hash = %s", [hash_value])
        columns = [col.name for col in cursor.description]
        row = cursor.fetchone()
    return dict(zip(columns, row, strict=True)) if row else None


@pytest.fixture
def clear_throttles():
    """Empty DRF's throttle counters (the default cache) before and after a test.

    The anonymous rate counts every unauthenticated request of the test run
    from 127.0.0.1; a test that makes many must neither be throttled by
    earlier tests nor leave its count to later ones.
    """
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- processes on the test database: settings from scratch, the production server ---


def database_url():
    """A django-environ URL for the test database this run uses (TCP or a socket folder)."""
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or "5432"
    if host.startswith("/"):
        # A Unix socket folder goes in the path: postgres://user@:port//socket/dir/name
        return f"postgres://{credentials}@:{port}/{host}/{db['NAME']}"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def production_environment(**overrides):
    """What a deployment sets: a configured database, a secret key, its host names."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "api.example",
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}


def run_python(arguments, environment):
    """`python <arguments>` in the checkout, in a fresh process with only `environment`."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port, path, host="localhost", headers=None, source="127.0.0.1"):
    """(status, headers, body) of a GET to 127.0.0.1:port, whatever the status.

    `source` is the client's own address: any of 127.0.0.0/8 is this machine,
    so a test can be a second client that the server tells apart by address.
    """
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    try:
        client.request("GET", path, headers={"Host": host, **(headers or {})})
        response = client.getresponse()
        return response.status, response.headers, response.read()
    finally:
        client.close()


def gunicorn_environment(**overrides):
    """What the production image runs with (DEBUG off, a secret key, its hosts) on the
    test database, named by the earlier service's PGSQL_* variables (which proves
    they are honoured). An override of None removes that variable."""
    database = connection.settings_dict
    port = free_port()
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-only-production-server",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "localhost",
        # Plain HTTP on loopback: no redirect to HTTPS (a TLS proxy would set BEHIND_PROXY).
        "SECURE_SSL_REDIRECT": "false",
        "PGSQL_HOST": database["HOST"] or "127.0.0.1",
        "PGSQL_PORT": str(database["PORT"] or 5432),
        "PGSQL_USER": database["USER"],
        "PGSQL_PASSWORD": database["PASSWORD"] or "",
        "PGSQL_NAME": database["NAME"],
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "HEALTHCHECK_PORT": str(port),
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}


def _answers_health(port):
    try:
        return http_get(port, "/rear-diff/health")[0] == 200
    except OSError:
        return False


@contextmanager
def production_gunicorn(environment):
    """`gunicorn --config config/gunicorn.py config.wsgi`, as the Dockerfile's CMD, until
    /rear-diff/health answers; yields {"port", "env"} and stops it afterwards.

    Its output goes to a file, not a pipe nobody reads (a full pipe would block
    the workers' log writes), and is shown when it fails to start.
    """
    port = int(environment["GUNICORN_BIND"].rsplit(":", 1)[1])
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [str(gunicorn), "--config", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not _answers_health(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    output.seek(0)
                    pytest.fail(f"gunicorn did not start: {output.read().decode()}")
                time.sleep(0.2)
            yield {"port": port, "env": environment}
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
