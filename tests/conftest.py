"""Fixtures: a test database holding the pipeline's real table, in each of its generations.

A test that touches the media table (through `media_table`, or the row
factories that use it) runs once per generation in GENERATIONS_UNDER_TEST, or
on those its `tables` marker names. Plain helpers live in tests/support: `api`
(paths, requests, expected bodies), `rows` (the table beside the service),
`database` and `server` (processes on the test database).
"""

import random
import uuid
from importlib import reload

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection
from django.test.utils import setup_databases
from django.urls import clear_url_caches
from rest_framework.test import APIClient

import config.urls
from media.api.throttling import CountingThrottle
from media.demo.generate import generate_record
from media.layout import current_layout, live_layout
from media.operators import operator_create, token_issue
from tests.spec import GENERATIONS_UNDER_TEST, SAMPLE_ROW
from tests.support.api import fetch_schema, token_client
from tests.support.database import LOCAL_REDIS, unreachable
from tests.support.rows import LONG_AGO, insert_media, make_media_table


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tables(*generations): run only on these generations of the media table"
    )
    config.addinivalue_line(
        "markers",
        "exclusive: needs the PostgreSQL cluster to itself (no other test commits meanwhile); "
        "make test runs these after the parallel run",
    )


def pytest_generate_tests(metafunc):
    if "media_table" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("tables")
        generations = marker.args if marker else GENERATIONS_UNDER_TEST
        metafunc.parametrize("media_table", generations, indirect=True, scope="session")


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """Today's table for the tests that do not ask for a generation.

    pytest-django makes the test database only when a collected test asks for
    one (a django_db mark, `db`); a run of only tests that start processes on
    it would otherwise work on the configured database itself.
    https://pytest-django.readthedocs.io/en/latest/database.html#django-db-setup
    """
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            setup_databases(
                verbosity=0,
                interactive=False,
                aliases={DEFAULT_DB_ALIAS},
                keepdb=request.config.getoption("reuse_db")
                and not request.config.getoption("create_db"),
            )
        make_media_table()


@pytest.fixture(scope="session")
def media_table(request, django_db_setup, django_db_blocker):
    """The media table of one generation (media/demo/sql), triggers included, with the change
    log's (as `make run` has it); its name.

    Not schema_editor.create_model: that would make varchar columns where
    production has enums, and no triggers.
    https://pytest-django.readthedocs.io/en/latest/database.html#django-db-setup
    """
    generation = getattr(request, "param", GENERATIONS_UNDER_TEST[-1])
    with django_db_blocker.unblock():
        make_media_table(generation)
    return generation


@pytest.fixture(autouse=True)
def fresh_layout():
    """Each test starts from the table as it is: a test may have changed it and rolled back
    within the layout's re-check interval."""
    yield
    live_layout.forget()


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
    return token_client(token_issue(username=operator.username))


@pytest.fixture
def reader(db):
    """An authenticated user without media.change_rejection_status."""
    return get_user_model().objects.create_user("reader")


@pytest.fixture
def reader_client(reader):
    """An API client sending the reader's token."""
    return token_client(token_issue(username=reader.username))


@pytest.fixture
def make_media(db, media_table):
    """Insert generated rows (none soft-deleted, every movie's metadata found); overrides apply
    to every row made."""
    counter = iter(range(10**6))

    def make(n=1, seed=7, **overrides):
        rng = random.Random(seed)
        layout = current_layout()
        records = [
            {
                **generate_record(
                    rng, seed, next(counter), layout, deleted_share=0, training_share=1
                ),
                **overrides,
            }
            for _ in range(n)
        ]
        return [insert_media(**record) for record in records]

    return make


@pytest.fixture
def unfiltered_row(make_media):
    """A generated row not yet filtered, last updated long ago."""
    (row,) = make_media(rejection_status="unfiltered", updated_at=LONG_AGO, created_at=LONG_AGO)
    return row


@pytest.fixture
def sample_media(db, media_table):
    """The sample row of docs/table.md ("The row"), as the pipeline stored it."""
    return insert_media(**SAMPLE_ROW)


@pytest.fixture
def database_down(django_db_setup, django_db_blocker):
    """The default connection points where nothing listens, as if the database had stopped."""
    with unreachable(django_db_blocker):
        yield


@pytest.fixture(scope="module")
def schema(media_table, django_db_blocker):
    """The OpenAPI document as /rear-diff/openapi.json serves it on a generation's table (it
    describes the live table)."""
    with django_db_blocker.unblock():
        return fetch_schema()


@pytest.fixture
def admin_on(settings):
    """The read-only admin served: config/urls.py mounts it only when ADMIN_ENABLED is set, so
    it is read again (and once more after the test)."""
    settings.ADMIN_ENABLED = True
    reload(config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_ENABLED = False
    reload(config.urls)
    clear_url_caches()


@pytest.fixture
def redis_cache_url():
    """A CACHE_URL on the local Redis with a key prefix of this test's own; skipped, saying so,
    when no Redis answers there. The test's keys are deleted after it, and there must be some."""
    import redis  # the optional group `redis` (make install has it)

    client = redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"no Redis answers on 127.0.0.1:6379 ({exc}); start one to run this test")
    prefix = f"rear-diff-test-{uuid.uuid4().hex}"
    yield f"{LOCAL_REDIS}?key_prefix={prefix}"
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    # What the test stored lived under the prefix: no other test shared it.
    assert keys, f"no key under {prefix}: the key prefix of CACHE_URL was not applied"


@pytest.fixture(autouse=True)
def clear_throttles():
    """Every test starts and ends with empty throttle counters (the default cache) and no
    process-local lease of them.

    The anonymous rate counts every unauthenticated request of the test run
    from 127.0.0.1; no test may be throttled by the ones before it, whatever
    their order, nor leave its count to the ones after it.
    """
    cache.clear()
    CountingThrottle.leases.clear()
    yield
    cache.clear()
    CountingThrottle.leases.clear()
