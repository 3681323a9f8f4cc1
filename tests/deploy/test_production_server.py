"""The production image's commands, run here: collectstatic, gunicorn, the health probe.

The Dockerfile cannot be built on these machines, so this starts the server
exactly as its CMD does (same config file, DEBUG off, SECRET_KEY and a
configured database from the environment) against the test database.
"""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.support.database import server_environment
from tests.support.server import ROOT, ProductionServer, free_port


@pytest.fixture(scope="module")
def production_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with config/gunicorn.py on the test database, as the Dockerfile runs it.

    The environment is built from scratch: nothing of this test run's own leaks in.
    """
    environment = server_environment(
        STATIC_ROOT=str(tmp_path_factory.mktemp("staticfiles")),
        # Only the name the container's health probe sends, so other hosts are refused.
        ALLOWED_HOSTS="localhost",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    with ProductionServer(environment, log=tmp_path_factory.mktemp("log") / "log") as server:
        yield server


def _get(server, path, host="localhost"):
    return server.get(path, host=host)


def test_gunicorn_serves_liveness_and_readiness(production_server):
    assert _get(production_server, reverse("health"))[::2] == (200, b'{"status":"healthy"}')
    status, _, body = _get(production_server, reverse("health-ready"))
    assert status == 200, body


def test_gunicorn_serves_the_list_from_the_configured_database(production_server):
    status, headers, body = _get(production_server, f"{reverse('media-list')}?limit=1")
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    assert b'"pagination"' in body


def test_gunicorn_serves_swagger_ui_assets_collected_by_collectstatic(production_server):
    status, _, page = _get(production_server, reverse("docs"))
    assert status == 200
    assert b"/rear-diff/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    status, headers, _ = _get(
        production_server,
        "/rear-diff/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
    )
    assert status == 200
    assert "javascript" in headers["Content-Type"]


def test_gunicorn_refuses_a_host_not_in_allowed_hosts(production_server):
    assert _get(production_server, reverse("health"), host="evil.example")[0] == 400


def test_container_health_probe_exits_zero_against_the_running_server(production_server):
    probe = subprocess.run(
        [sys.executable, "-m", "config.healthcheck"],
        cwd=ROOT,
        env=production_server.environment,
        capture_output=True,
    )
    assert probe.returncode == 0, probe.stderr


def test_container_health_probe_exits_nonzero_when_nothing_listens():
    environment = {**os.environ, "HEALTHCHECK_PORT": str(free_port())}
    probe = subprocess.run(
        [sys.executable, "-m", "config.healthcheck"], cwd=ROOT, env=environment, capture_output=True
    )
    assert probe.returncode == 1
    assert b"unhealthy" in probe.stderr
