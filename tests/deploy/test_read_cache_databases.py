"""The shared read cache never answers from another database: two deployments, one Redis.

Staging and production often share a PostgreSQL server and a Redis. Here two
production servers serve two databases of one server, the second a copy of
the first (so their layouts, and fingerprints, are equal), and share one
CACHE_URL. A snapshot (pg_current_snapshot()) is the same for every database
of a server, so only the key can tell their entries apart.
"""

import json

import pytest
from django.conf import settings

from tests.support.database import connect, scratch_database, server_environment
from tests.support.server import ProductionServer, run_python

# The entries must stay valid between the requests: no other test may change A meanwhile.
pytestmark = pytest.mark.exclusive
TABLE = f'"{settings.MEDIA_SCHEMA}".media'
SECRET = "TENANT-B PRIVATE TITLE"


@pytest.fixture
def two_databases(django_db_setup, django_db_blocker):
    """(A, B, a hash): B a copy of A whose row `hash` has a title of its own."""
    with scratch_database("tenant_a", generation="g2") as a:
        for command in (
            ["media_generate", "--rows", "20", "--allow-external"],
            # The change log: a commit elsewhere on the server leaves A's entry valid.
            ["migrate_locked", "--no-input"],
        ):
            done = run_python(["manage.py", *command], server_environment(PGSQL_NAME=a))
            assert done.returncode == 0, done.stderr
        with scratch_database("tenant_b", template=a) as b:
            with connect(b) as tenant_b:
                (target,) = tenant_b.execute(
                    f"SELECT min(hash) FROM {TABLE} WHERE deleted_at IS NULL"
                ).fetchone()
                tenant_b.execute(
                    f"UPDATE {TABLE} SET media_title = %s WHERE hash = %s", [SECRET, target]
                )
            yield a, b, target


def served(server, path):
    status, _, body = server.get(path)
    assert status == 200, body
    return json.loads(body)


def cache_outcomes(log):
    return [json.loads(line)["cache"] for line in log.read_text().splitlines() if '"cache"' in line]


def test_a_deployment_never_answers_from_the_entry_of_another_database(
    two_databases, redis_cache_url, tmp_path
):
    a, b, target = two_databases
    shared = {"CACHE_URL": redis_cache_url, "READ_CACHE_MB": "16", "LOG_FORMAT": "json"}
    shared |= {"THROTTLE_ANON_RATE": "", "GUNICORN_WORKERS": "1"}
    path = f"/rear-diff/media/{target}"
    with (
        ProductionServer(server_environment(PGSQL_NAME=a, **shared), log=tmp_path / "a") as on_a,
        ProductionServer(server_environment(PGSQL_NAME=b, **shared), log=tmp_path / "b") as on_b,
    ):
        from_a = served(on_a, path)
        from_b = served(on_b, path)
        again_from_a = served(on_a, path)

    with connect(a) as tenant_a, connect(b) as tenant_b:
        query = f"SELECT media_title FROM {TABLE} WHERE hash = %s"
        titles = [db.execute(query, [target]).fetchone()[0] for db in (tenant_a, tenant_b)]
    assert titles[1] == SECRET != titles[0]
    assert (from_a["media_title"], from_b["media_title"]) == tuple(titles)
    assert again_from_a == from_a
    # Nothing A's answer read changed (A's repeat is a hit): B missed by its key alone.
    assert cache_outcomes(tmp_path / "a") == ["miss", "hit"]
    assert cache_outcomes(tmp_path / "b") == ["miss"]
