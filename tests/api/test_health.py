"""Liveness and readiness: with the database working, missing its table or a required column,
or unreachable. Readiness runs the list's own query, on every generation.

Readiness under a slow query is in test_database_errors.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media.layout import live_layout
from tests.spec import table_columns
from tests.support.api import READY, without_latency
from tests.support.database import unreachable
from tests.support.rows import TABLE, execute

HEALTHY = {"status": "healthy"}


def unavailable(media_table, details, database="ok"):
    """Readiness's 503: what it found of the database and the table, and why."""
    return {
        "status": "unavailable",
        "database": database,
        "media_table": media_table,
        "details": details,
    }


UNREACHABLE = unavailable("unknown", "The database does not answer.", database="unreachable")


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_liveness_answers_200_healthy_with_and_without_slash(api_client, db, slash):
    response = api_client.get(reverse("health") + slash)

    assert response.status_code == 200
    assert response.json() == HEALTHY


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_readiness_answers_200_when_the_database_and_table_work(api_client, db, slash):
    response = api_client.get(reverse("health-ready") + slash)

    assert response.status_code == 200
    assert without_latency(response.json()) == READY


def test_readiness_answers_200_on_every_generation_by_running_the_lists_query(
    api_client, sample_media, media_table
):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(reverse("health-ready"))

    assert response.status_code == 200
    reads = [q["sql"] for q in queries if TABLE in q["sql"]]
    assert len(reads) == 1 and "LIMIT 1" in reads[0]
    if "deleted_at" in table_columns(media_table):
        assert '"deleted_at" IS NULL' in reads[0]
    if media_table == "g2":
        assert any("training" in q["sql"] for q in queries)


def test_readiness_answers_503_when_the_media_table_is_missing(api_client, db):
    execute(f'ALTER TABLE {TABLE} RENAME TO "media_moved"')

    response = api_client.get(reverse("health-ready"))

    assert response.status_code == 503
    assert without_latency(response.json()) == unavailable(
        "missing", f"The table {TABLE} does not exist."
    )


@pytest.mark.parametrize("column", ["hash", "rejection_status", "rejection_reason", "created_at"])
def test_readiness_answers_503_naming_a_missing_required_column(
    api_client, db, media_table, column
):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN {column} CASCADE")
    live_layout.forget()

    response = api_client.get(reverse("health-ready"))

    assert response.status_code == 503
    assert without_latency(response.json()) == unavailable(
        "incomplete", f"The table {TABLE} lacks what the service needs: {column}."
    )


def test_liveness_stays_200_when_the_media_table_is_missing(api_client, db):
    execute(f'ALTER TABLE {TABLE} RENAME TO "media_moved"')

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == HEALTHY


def test_readiness_answers_503_when_the_database_is_unreachable(api_client, database_down):
    response = api_client.get(reverse("health-ready"))

    assert response.status_code == 503
    assert response.json() == UNREACHABLE


def test_liveness_stays_200_when_the_database_is_unreachable(api_client, database_down):
    assert api_client.get(reverse("health-ready")).status_code == 503

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == HEALTHY


def test_readiness_recovers_when_the_database_comes_back(
    api_client, django_db_setup, django_db_blocker
):
    with unreachable(django_db_blocker):
        down = api_client.get(reverse("health-ready"))
    with django_db_blocker.unblock():
        up = api_client.get(reverse("health-ready"))
        connection.close()

    assert (down.status_code, down.json()) == (503, UNREACHABLE)
    assert (up.status_code, without_latency(up.json())) == (200, READY)


def test_database_works_again_after_the_unreachable_tests(db):
    """Runs after the tests above (file order): the outage they made is over."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_database(), count(*) FROM {TABLE}")
        name, count = cursor.fetchone()

    assert name == connection.settings_dict["NAME"]
    assert name.startswith("test_")
    assert count == 0
