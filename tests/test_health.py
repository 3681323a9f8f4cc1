"""Liveness and readiness, with the database working, missing its table, or unreachable."""

import socket

import pytest
from django.db import connection

from media.models import Media

READY = {"status": "ready", "database": "ok", "media_table": "ok"}


def without_latency(body):
    """The body minus what it measures: the latency (a non-negative number) and, when
    ready, the read cache's figures (tests/test_read_cache.py checks their values)."""
    body = dict(body)
    latency = body.pop("database_latency_ms")
    assert isinstance(latency, int | float) and latency >= 0
    if body.get("status") == "ready":
        assert set(body.pop("read_cache")) == {"entries", "bytes", "limit_bytes", "hits", "misses"}
    return body


UNREACHABLE = {
    "status": "unavailable",
    "database": "unreachable",
    "media_table": "unknown",
    "details": "The database does not answer.",
}


@pytest.fixture
def unreachable_database(django_db_setup, django_db_blocker):
    """Point the default connection at a local port where nothing listens.

    A socket bound but never listening holds the port, so no other process can
    take it and every connection to it is refused at once. Not the db fixture:
    closing a connection inside its transaction would break the rollback. The
    settings are restored and the connection closed again afterwards, so the
    next test connects to the test database as usual.
    """
    saved = dict(connection.settings_dict)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with django_db_blocker.unblock():
            connection.close()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
            try:
                yield
            finally:
                connection.close()
                connection.settings_dict.clear()
                connection.settings_dict.update(saved)


@pytest.mark.parametrize("path", ["/rear-diff/health", "/rear-diff/health/"])
def test_liveness_answers_200_healthy_with_and_without_slash(api_client, db, path):
    response = api_client.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


@pytest.mark.parametrize("path", ["/rear-diff/health/ready", "/rear-diff/health/ready/"])
def test_readiness_answers_200_when_the_database_and_table_work(api_client, db, path):
    response = api_client.get(path)

    assert response.status_code == 200
    assert without_latency(response.json()) == READY


def test_readiness_answers_503_when_the_media_table_is_missing(api_client, db):
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {Media._meta.db_table} RENAME TO "media_moved"')

    response = api_client.get("/rear-diff/health/ready")

    assert response.status_code == 503
    assert without_latency(response.json()) == {
        "status": "unavailable",
        "database": "ok",
        "media_table": "missing",
        "details": f"The table {Media._meta.db_table} does not exist.",
    }


def test_liveness_stays_200_when_the_media_table_is_missing(api_client, db):
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {Media._meta.db_table} RENAME TO "media_moved"')

    response = api_client.get("/rear-diff/health")

    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


def test_readiness_answers_503_when_the_database_is_unreachable(api_client, unreachable_database):
    response = api_client.get("/rear-diff/health/ready")

    assert response.status_code == 503
    assert response.json() == UNREACHABLE


def test_liveness_stays_200_when_the_database_is_unreachable(api_client, unreachable_database):
    assert api_client.get("/rear-diff/health/ready").status_code == 503

    response = api_client.get("/rear-diff/health")

    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


def test_readiness_recovers_when_the_database_comes_back(
    api_client, django_db_setup, django_db_blocker
):
    saved = dict(connection.settings_dict)
    with socket.socket() as holder, django_db_blocker.unblock():
        holder.bind(("127.0.0.1", 0))
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(holder.getsockname()[1]))
        try:
            down = api_client.get("/rear-diff/health/ready")
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)

        up = api_client.get("/rear-diff/health/ready")
        connection.close()

    assert (down.status_code, down.json()) == (503, UNREACHABLE)
    assert (up.status_code, without_latency(up.json())) == (200, READY)


def test_database_works_again_after_the_unreachable_tests(db):
    """Runs after the tests above (file order): their fixture restored the connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), count(*) FROM " + Media._meta.db_table)
        name, count = cursor.fetchone()

    assert name == connection.settings_dict["NAME"]
    assert name.startswith("test_")
    assert count == 0
