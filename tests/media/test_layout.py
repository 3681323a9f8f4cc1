"""media/layout.py: the live table read from the catalogue, and followed while it changes.

Changes run as DDL inside the test's transaction (rolled back after), on the
same connection as the service's queries, so the service meets them exactly
as it meets a migration the pipeline committed. The table description
endpoint is in tests/api/test_table.py, readiness in tests/api/test_health.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media.demo.ddl import run_script
from media.layout import current_layout, live_layout, read_layout
from tests.spec import SAMPLE_HASH, media_types
from tests.support.api import invalid_query, item_path, patch_status
from tests.support.metrics import scrape
from tests.support.rows import TABLE, execute


def test_the_layout_is_read_from_the_catalogue_never_from_the_table(db, media_table):
    with CaptureQueriesContext(connection) as queries:
        read_layout()

    # The fingerprint, the catalogue rows, then the change log's version of the catalogue.
    fingerprint, rows, version = (query["sql"] for query in queries)
    for sql in (fingerprint, rows):
        assert "pg_attribute" in sql
        assert TABLE not in sql and "training" not in sql.split("FROM")[1]
    assert version.endswith("change_log_state() s")


def test_within_the_check_interval_the_layout_is_not_read_again(db, media_table, settings):
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 3600
    current_layout()

    with CaptureQueriesContext(connection) as queries:
        current_layout()

    assert len(queries) == 0


def test_after_the_check_interval_one_fingerprint_query_confirms_the_layout(
    db, media_table, settings
):
    layout = current_layout()
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 0

    with CaptureQueriesContext(connection) as queries:
        assert current_layout() is layout

    assert len(queries) == 1
    assert "md5" in queries[0]["sql"]


# --- a request that meets a vanished column re-reads the layout and answers ------------


def test_a_list_that_meets_a_vanished_column_rereads_the_layout_and_answers(
    api_client, sample_media, media_table
):
    stale = current_layout()
    execute(f"ALTER TABLE {TABLE} DROP COLUMN uploader")

    response = api_client.get(reverse("media-list"))

    assert response.status_code == 200
    assert response.json()["data"][0]["uploader"] is None
    assert current_layout().fingerprint != stale.fingerprint
    assert "uploader" not in current_layout().media


def test_a_retrieve_that_meets_a_vanished_column_rereads_the_layout_and_answers(
    api_client, sample_media, media_table
):
    current_layout()
    execute(f"ALTER TABLE {TABLE} DROP COLUMN media_title")

    response = api_client.get(item_path(SAMPLE_HASH))

    assert response.status_code == 200
    assert response.json()["media_title"] is None


def test_a_patch_that_meets_a_vanished_column_rereads_the_layout_and_answers(
    operator_client, sample_media, media_table
):
    current_layout()
    execute(f"ALTER TABLE {TABLE} DROP COLUMN original_path")

    response = patch_status(operator_client, SAMPLE_HASH, "accepted")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["original_path"] is None


@pytest.mark.tables("g1-v23")
def test_the_fingerprint_check_serves_a_new_column_without_a_query_failing(
    api_client, sample_media, media_table, settings
):
    """Flyway 24 adds deleted_at: no query fails on it, the periodic check finds it."""
    assert "deleted_at" not in api_client.get(reverse("media-list")).json()["data"][0]
    run_script("v024_soft_delete.sql")
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 0

    item = api_client.get(reverse("media-list")).json()["data"][0]

    assert item["deleted_at"] is None


@pytest.mark.tables("g1-v23")
def test_each_new_layout_a_process_serves_is_counted_once(api_client, db, media_table, settings):
    current_layout()
    before = scrape(api_client)
    run_script("v024_soft_delete.sql")
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 0

    current_layout()
    current_layout()
    after = scrape(api_client)

    name = "rear_diff_layout_changes_total"
    assert after.value(name) - before.value(name) == 1


# --- filters follow the layout -----------------------------------------------------


def test_an_enum_filter_accepts_a_label_a_migration_added(api_client, make_media, media_table):
    """A replacement type, as a Flyway script re-creating the enum makes it."""
    (row,) = make_media(n=1, media_type="movie")
    labels = media_types(media_table)
    execute(
        """ALTER TYPE "atp".media_type RENAME TO media_type_old""",
        f"""CREATE TYPE "atp".media_type AS ENUM ({", ".join(f"'{v}'" for v in labels)},
            'documentary')""",
        f"""ALTER TABLE {TABLE} ALTER COLUMN media_type TYPE "atp".media_type
            USING media_type::text::"atp".media_type""",
        f"UPDATE {TABLE} SET media_type = 'documentary' WHERE hash = '{row.hash}'",
    )
    live_layout.forget()

    body = api_client.get(reverse("media-list"), {"media_type": "documentary"}).json()

    assert [item["hash"] for item in body["data"]] == [row.hash]


def test_a_filter_on_a_column_the_table_lost_answers_400_naming_it(
    api_client, sample_media, media_table
):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN media_title")
    live_layout.forget()

    response = api_client.get(reverse("media-list"), {"media_title": "Under"})

    assert response.status_code == 400
    assert response.json() == invalid_query(
        media_title="media_title cannot be filtered on: the media table has no column media_title."
    )
