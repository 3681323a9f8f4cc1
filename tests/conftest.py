"""Fixtures: a test database holding the pipeline's real table, in each of its generations.

A test that touches the media table (through `media_table`, or the row
factories that use it) runs once per generation in GENERATIONS_UNDER_TEST, or
on those its `tables` marker names. Processes started on the test database
(the settings from scratch, the production server) come from tests/support.
"""

import json
import random
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from media.ddl import create_media_table
from media.generate import generate_record, media_insert
from media.layout import current_layout, live_layout, refresh_layout
from media.models import Media
from media.operators import operator_create, token_issue
from media.selectors import media_get
from media.serializers import MediaSerializer
from tests.spec import GENERATIONS_UNDER_TEST


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tables(*generations): run only on these generations of the media table"
    )


def pytest_generate_tests(metafunc):
    if "media_table" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("tables")
        generations = marker.args if marker else GENERATIONS_UNDER_TEST
        metafunc.parametrize("media_table", generations, indirect=True, scope="session")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Today's table for the tests that do not ask for a generation."""
    with django_db_blocker.unblock():
        create_media_table(replace=True)
        refresh_layout()


@pytest.fixture(scope="session")
def media_table(request, django_db_setup, django_db_blocker):
    """The media table of one generation (media/sql), triggers included; its name.

    Not schema_editor.create_model: that would make varchar columns where
    production has enums, and no triggers.
    https://pytest-django.readthedocs.io/en/latest/database.html#django-db-setup
    """
    generation = getattr(request, "param", GENERATIONS_UNDER_TEST[-1])
    with django_db_blocker.unblock():
        create_media_table(generation=generation, replace=True)
        refresh_layout()
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
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(username=operator.username)}")
    return client


def insert_media(**values) -> Media:
    """Insert one row where the live table keeps each value; an unsaved Media to read it by."""
    media_insert([values])
    known = {field.name for field in Media._meta.concrete_fields}
    return Media(**{name: value for name, value in values.items() if name in known})


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


SAMPLE_ROW = {
    "hash": "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1",
    "media_type": "movie",
    "media_title": "40 Under 40",
    "release_year": 2013,
    "pipeline_status": "rejected",
    "error_status": False,
    "error_condition": "media ratings API status code: 401",
    "rejection_status": "rejected",
    "rejection_reason": "resolution 720p is not in allowed_values",
    "original_title": "40 Under 40 (2013) [720p] [WEBRip] [YTS.MX]",
    "original_link": "https://yts.mx/torrent/download/EB50F630702E8A59EF6ECFAF9F5EECAE7A9856A1",
    "genre": ["Documentary"],
    "language": ["en"],
    "imdb_id": "tt2759766",
    "resolution": "720p",
    "upload_type": "WEBRip",
    "tmdb_id": 802473,
    "created_at": datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC),
    "updated_at": datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC),
}


@pytest.fixture
def sample_media(db, media_table):
    """The sample row of media-table.md, as the pipeline stored it."""
    return insert_media(**SAMPLE_ROW)


def served_item(hash_value) -> dict:
    """The item the API serves for a row now, as JSON (soft-deleted rows included)."""
    item = media_get(hash=hash_value, include_deleted=True).item
    return json.loads(JSONRenderer().render(MediaSerializer(item).data))


def break_reads():
    """Make every query of atp.media fail with an error that is not about its layout.

    The table becomes a view with the same columns that divides by zero, inside
    the test's transaction (the db fixture rolls it back). A renamed column no
    longer does: the service follows it.
    """
    table = Media._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {table} RENAME TO "media_behind_view"')
        cursor.execute(
            f'CREATE VIEW {table} AS SELECT * FROM "{settings.MEDIA_SCHEMA}".media_behind_view '
            "WHERE 1 / (SELECT 0) = 1"
        )


def break_writes():
    """Make every UPDATE of atp.media fail, as a full disk would (a trigger that raises)."""
    table = Media._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION pg_temp.refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'disk quota exceeded on tablespace atp_media';
            END;
            $$
            """
        )
        cursor.execute(
            f"CREATE TRIGGER media_99_refuse BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_update()"
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
