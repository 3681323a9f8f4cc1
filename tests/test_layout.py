"""media/layout.py: the live table read from the catalogue, followed while it changes.

Changes run as DDL inside the test's transaction (rolled back after), on the
same connection as the service's queries, so the service meets them exactly
as it meets a migration the pipeline committed.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from media.ddl import run_script
from media.layout import current_layout, live_layout, read_layout
from media.models import Media
from tests.spec import (
    EXTRA_KEYS,
    SAMPLE_ROW,
    TRAINING_KEYS,
    media_types,
    pipeline_statuses,
    sortable_columns,
    table_columns,
)

TABLE = Media._meta.db_table
LIST_URL = "/rear-diff/media"
SAMPLE_HASH = SAMPLE_ROW["hash"]


def execute(*statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def expected_source(key, generation):
    if generation == "g2" and key in TRAINING_KEYS:
        return {
            "key": key,
            "source": "training",
            "column": "spoken_languages" if key == "language" else key,
        }
    if generation != "g0" and key == "language":
        return {"key": key, "source": "media", "column": "spoken_languages"}
    return {"key": key, "source": "media", "column": key}


def test_table_endpoint_describes_the_layout_served_on_each_generation(api_client, db, media_table):
    from tests.spec import COLUMNS

    body = api_client.get(f"{LIST_URL}/table").json()

    assert body["keys"] == [
        *(expected_source(key, media_table) for key in COLUMNS),
        *({"key": key, "source": "media", "column": key} for key in EXTRA_KEYS[media_table]),
    ]
    assert body["enums"]["media_type"] == media_types(media_table)
    assert body["enums"]["pipeline_status"] == pipeline_statuses(media_table)
    assert body["sortable"] == sortable_columns(media_table)
    assert body["soft_delete"] is ("deleted_at" in table_columns(media_table))
    assert body["training_table"] is (media_table == "g2")
    assert body["unserved_columns"] == []
    assert body["missing_required"] == []
    assert body["table"] == TABLE.replace('"', "")
    assert body["fingerprint"] == current_layout().fingerprint


def test_table_endpoint_names_unknown_columns_and_keys_without_a_source(api_client, db):
    execute(
        f"ALTER TABLE {TABLE} ADD COLUMN subtitle_language varchar(10)",
        f"ALTER TABLE {TABLE} DROP COLUMN uploader",
    )
    live_layout.forget()

    body = api_client.get(f"{LIST_URL}/table").json()

    assert body["unserved_columns"] == ["subtitle_language"]
    assert {"key": "uploader", "source": "unavailable", "column": None} in body["keys"]


def test_the_layout_is_read_from_the_catalogue_never_from_the_table(db, media_table):
    with CaptureQueriesContext(connection) as queries:
        read_layout()

    assert len(queries) == 2  # the fingerprint, then the catalogue rows
    for query in queries:
        assert "pg_attribute" in query["sql"]
        assert TABLE not in query["sql"] and "training" not in query["sql"].split("FROM")[1]


def test_a_list_that_meets_a_vanished_column_rereads_the_layout_and_answers(
    api_client, sample_media, media_table
):
    stale = current_layout()
    execute(f"ALTER TABLE {TABLE} DROP COLUMN uploader")

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["data"][0]["uploader"] is None
    assert current_layout().fingerprint != stale.fingerprint
    assert "uploader" not in current_layout().media


def test_a_retrieve_that_meets_a_vanished_column_rereads_the_layout_and_answers(
    api_client, sample_media, media_table
):
    current_layout()
    execute(f"ALTER TABLE {TABLE} DROP COLUMN media_title")

    response = api_client.get(f"{LIST_URL}/{SAMPLE_HASH}")

    assert response.status_code == 200
    assert response.json()["media_title"] is None


def test_a_patch_that_meets_a_vanished_column_rereads_the_layout_and_answers(
    operator_client, sample_media, media_table
):
    current_layout()
    execute(f"ALTER TABLE {TABLE} DROP COLUMN original_path")

    response = operator_client.patch(
        f"{LIST_URL}/{SAMPLE_HASH}/rejection-status",
        {"hash": SAMPLE_HASH, "rejection_status": "accepted"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["original_path"] is None


@pytest.mark.tables("g1-v23")
def test_the_fingerprint_check_serves_a_new_column_without_a_query_failing(
    api_client, sample_media, media_table, settings
):
    """Flyway 24 adds deleted_at: no query fails on it, the periodic check finds it."""
    assert "deleted_at" not in api_client.get(LIST_URL).json()["data"][0]
    run_script("v024_soft_delete.sql")
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 0

    item = api_client.get(LIST_URL).json()["data"][0]

    assert item["deleted_at"] is None


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

    body = api_client.get(LIST_URL, {"media_type": "documentary"}).json()

    assert [item["hash"] for item in body["data"]] == [row.hash]


def test_a_filter_on_a_column_the_table_lost_answers_400_naming_it(
    api_client, sample_media, media_table
):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN media_title")
    live_layout.forget()

    response = api_client.get(LIST_URL, {"media_title": "Under"})

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request",
        "details": {
            "media_title": [
                "media_title cannot be filtered on: the media table has no column media_title."
            ]
        },
    }


@pytest.mark.parametrize("column", ["hash", "rejection_status", "rejection_reason", "created_at"])
def test_readiness_answers_503_naming_a_missing_required_column(
    api_client, db, media_table, column
):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN {column} CASCADE")
    live_layout.forget()

    response = api_client.get("/rear-diff/health/ready")

    assert response.status_code == 503
    body = response.json()
    body.pop("database_latency_ms")
    assert body == {
        "status": "unavailable",
        "database": "ok",
        "media_table": "incomplete",
        "details": f"The table {TABLE} lacks what the service needs: {column}.",
    }


def test_readiness_answers_200_on_every_generation_by_running_the_lists_query(
    api_client, sample_media, media_table
):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/rear-diff/health/ready")

    assert response.status_code == 200
    reads = [q["sql"] for q in queries if TABLE in q["sql"]]
    assert len(reads) == 1 and "LIMIT 1" in reads[0]
    if "deleted_at" in table_columns(media_table):
        assert '"deleted_at" IS NULL' in reads[0]
    if media_table == "g2":
        assert any("training" in q["sql"] for q in queries)
