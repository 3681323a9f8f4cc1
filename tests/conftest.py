"""Fixtures: a test database holding the real media table, and row factories.

Processes started on the test database (the settings from scratch, the
production server) come from tests/support.
"""

import random

import pytest
from django.db import connection
from rest_framework.test import APIClient

from media.management.commands.media_generate import COLUMNS, generate_row
from media.models import Media
from media.operators import operator_create, token_issue
from media.schema import create_media_table


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
