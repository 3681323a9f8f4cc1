"""media/change_log.py: cached reads stay valid until a change that affects them commits.

Every test commits (transactional_db) through connections of its own, as the
pipeline does, and reads through the API on every generation. With the log a
commit elsewhere (another table, another database) moves the server's snapshot
but leaves answers valid, so these tests need not have the cluster to themselves.
"""

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media import change_log
from media.layout import current_layout, live_layout
from media.read_cache import read_cache
from tests.support.api import item_path
from tests.support.database import connect
from tests.support.rows import TABLE, make_media_table

pytestmark = pytest.mark.django_db(transaction=True)
LIST = reverse("media-list")
FACETS = reverse("media-facets")
PAGE = {"limit": 3}  # newest first: the three newest of the eight rows
N = change_log.names()


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.READ_CACHE_MB = 1
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 3600
    cache = read_cache()
    cache.entries.clear()
    cache.bytes = cache.hits = cache.misses = 0


@pytest.fixture
def rows(media_table, make_media):
    """Eight committed rows, oldest last; deleted (with the log) after the test."""
    made = make_media(n=8, seed=11)
    pipeline(f"TRUNCATE {N.log}")  # their inserts: before any answer is stored
    yield sorted(made, key=lambda row: (row.created_at, row.hash), reverse=True)
    pipeline(f"TRUNCATE {TABLE}")
    pipeline(f"TRUNCATE {N.log}")


def pipeline(statement, params=()):
    """A write as the pipeline makes it: its own connection, committed."""
    with connect() as sql:
        sql.execute(statement, params)


def again(api_client, path=LIST, query=PAGE):
    """Read twice: the first read stores, the second is what the test is about."""
    api_client.get(path, query)
    return lambda: api_client.get(path, query)


def test_a_hit_costs_one_query_and_survives_a_commit_to_another_table(api_client, rows):
    read = again(api_client)
    elsewhere = f"{N.schema}.elsewhere"
    pipeline(f"CREATE TABLE {elsewhere} (n int); INSERT INTO {elsewhere} VALUES (1)")
    try:
        with CaptureQueriesContext(connection) as queries:
            response = read()
    finally:
        pipeline(f"DROP TABLE {elsewhere}")

    assert response.read_cache == "hit"
    assert len(queries) == 1 and "change_log_check" in queries[0]["sql"]


def test_a_hit_survives_a_commit_in_another_database(api_client, rows):
    read = again(api_client)
    with connect("postgres") as other, other.transaction():
        other.execute("CREATE TEMPORARY TABLE t (n int)")
        other.execute("INSERT INTO t VALUES (1)")

    assert read().read_cache == "hit"


def test_an_update_of_a_row_off_the_page_leaves_it_valid(api_client, rows):
    read = again(api_client)
    pipeline(f"UPDATE {TABLE} SET media_title = 'Old news' WHERE hash = %s", [rows[-1].hash])

    assert read().read_cache == "hit"


def test_an_update_that_sorts_a_row_onto_the_page_is_seen(api_client, rows):
    read = again(api_client)
    pipeline(f"UPDATE {TABLE} SET created_at = now() WHERE hash = %s", [rows[-1].hash])

    response = read()

    assert response.read_cache == "miss"
    assert response.json()["data"][0]["hash"] == rows[-1].hash


def test_an_update_of_a_row_on_the_page_is_seen(api_client, rows):
    read = again(api_client)
    pipeline(f"UPDATE {TABLE} SET media_title = 'Fresh' WHERE hash = %s", [rows[1].hash])

    response = read()

    assert response.read_cache == "miss"
    assert response.json()["data"][1]["media_title"] == "Fresh"


def test_an_insert_that_matches_is_seen_and_one_that_does_not_is_not(api_client, rows, make_media):
    label = current_layout().labels("rejection_status")[0]
    query = {"rejection_status": label, "sort_by": "hash", "limit": 2}
    read = again(api_client, query=query)
    other = next(x for x in current_layout().labels("rejection_status") if x != label)
    make_media(n=1, seed=12, rejection_status=other)
    assert read().read_cache == "hit"

    make_media(n=1, seed=13, rejection_status=label)
    response = read()

    assert response.read_cache == "miss"
    assert response.json()["pagination"]["total"] == 1 + sum(
        row.rejection_status == label for row in rows
    )


@pytest.mark.parametrize("direction", ["into", "out of"])
def test_an_update_into_or_out_of_the_filter_is_seen(api_client, rows, direction):
    inside = {"error_status": "true"} if direction == "out of" else {"error_status": "false"}
    pipeline(f"UPDATE {TABLE} SET error_status = {inside['error_status']}")
    read = again(api_client, query={**inside, "limit": 1, "sort_by": "hash"})
    flipped = "false" if inside["error_status"] == "true" else "true"
    # The last row by hash: off the one-row page, so only the total tells.
    last = max(row.hash for row in rows)
    pipeline(f"UPDATE {TABLE} SET error_status = {flipped} WHERE hash = %s", [last])

    response = read()

    assert response.read_cache == "miss"
    assert response.json()["pagination"]["total"] == 7


def test_a_change_outside_a_filtered_page_leaves_it_valid(api_client, rows):
    pipeline(f"UPDATE {TABLE} SET error_status = (hash = %s)", [rows[0].hash])
    read = again(api_client, query={"error_status": "true"})
    pipeline(f"UPDATE {TABLE} SET media_title = 'Elsewhere' WHERE hash = %s", [rows[1].hash])

    assert read().read_cache == "hit"


def test_a_delete_is_seen(api_client, rows):
    read = again(api_client)
    pipeline(f"DELETE FROM {TABLE} WHERE hash = %s", [rows[-1].hash])

    response = read()

    assert response.read_cache == "miss"
    assert response.json()["pagination"]["total"] == 7


@pytest.mark.tables("g2")  # soft delete came with Flyway 24
def test_a_soft_delete_is_seen(api_client, rows):
    read = again(api_client)
    pipeline(f"UPDATE {TABLE} SET deleted_at = now() WHERE hash = %s", [rows[-1].hash])

    response = read()

    assert response.read_cache == "miss"
    assert response.json()["pagination"]["total"] == 7


def test_a_truncate_is_seen(api_client, rows):
    read = again(api_client)
    pipeline(f"TRUNCATE {TABLE}")

    response = read()

    assert response.read_cache == "miss"
    assert response.json()["data"] == []


def test_a_statement_of_more_rows_than_it_logs_is_logged_without_them_and_seen(api_client, rows):
    read = again(api_client, query={"error_status": "true"})
    many = settings.CHANGE_LOG_IMAGE_ROWS + 1
    # Rows that do not match the filter: with their images they would leave it valid.
    pipeline(
        f"INSERT INTO {TABLE} (hash, media_type, original_title) "
        "SELECT lpad(to_hex(g), 40, '0'), 'movie', 'bulk' FROM generate_series(1, %s) g",
        [many],
    )
    with connect() as sql:
        logged = sql.execute(
            f"SELECT op, old_rows IS NULL AND new_rows IS NULL FROM {N.log} ORDER BY logged_at DESC"
        ).fetchone()

    assert logged == ("I", True)
    assert read().read_cache == "miss"


def test_without_images_a_write_to_a_row_off_the_page_reads_it_again(api_client, rows, settings):
    kept = settings.CHANGE_LOG_IMAGE_ROWS
    settings.CHANGE_LOG_IMAGE_ROWS = 0  # written into the trigger function by install
    change_log.install()
    try:
        read = again(api_client)
        pipeline(f"UPDATE {TABLE} SET media_title = 'Old news' WHERE hash = %s", [rows[-1].hash])
        response = read()
    finally:
        settings.CHANGE_LOG_IMAGE_ROWS = kept
        change_log.install()
    with connect() as sql:
        logged = sql.execute(f"SELECT op, old_rows IS NULL FROM {N.log}").fetchall()

    assert logged == [("U", True)]
    assert response.read_cache == "miss"


@pytest.mark.tables("g2")  # atp.training holds served keys from G2 on
def test_a_training_update_is_seen_by_the_pages_of_its_movies(api_client, rows):
    movie = next(row for row in rows[:3] if row.imdb_id)
    read = again(api_client)
    pipeline(
        'UPDATE "atp".training SET rt_score = 3 WHERE imdb_id = %s',
        [movie.imdb_id],
    )

    response = read()

    assert response.read_cache == "miss"
    [item] = [i for i in response.json()["data"] if i["hash"] == movie.hash]
    assert item["rt_score"] == 3


def test_an_aborted_writer_leaves_it_valid(api_client, rows):
    read = again(api_client)
    with (
        connect() as sql,
        pytest.raises(psycopg.errors.DivisionByZero),
        sql.transaction(),
    ):
        sql.execute(f"UPDATE {TABLE} SET media_title = 'Never'")
        sql.execute("SELECT 1 / 0")

    assert read().read_cache == "hit"


def test_an_item_is_read_again_after_its_own_row_changes_only(api_client, rows):
    path = item_path(rows[0].hash)
    read = again(api_client, path=path, query={})
    pipeline(f"UPDATE {TABLE} SET media_title = 'Other' WHERE hash = %s", [rows[1].hash])
    assert read().read_cache == "hit"

    pipeline(f"UPDATE {TABLE} SET media_title = 'Mine' WHERE hash = %s", [rows[0].hash])
    response = read()

    assert response.read_cache == "miss"
    assert response.json()["media_title"] == "Mine"


def test_facets_survive_a_change_of_no_counted_column(api_client, rows):
    path = FACETS
    read = again(api_client, path=path, query={})
    pipeline(f"UPDATE {TABLE} SET media_title = 'Uncounted' WHERE hash = %s", [rows[2].hash])
    assert read().read_cache == "hit"

    pipeline(f"UPDATE {TABLE} SET error_status = NOT error_status WHERE hash = %s", [rows[2].hash])

    assert read().read_cache == "miss"


@pytest.mark.exclusive  # then by snapshot: a commit anywhere in the cluster is a miss
@pytest.mark.parametrize("how", ["DISABLE TRIGGER", "DROP TRIGGER"])
def test_a_disabled_or_dropped_trigger_is_detected_and_validation_falls_back(
    api_client, rows, how, media_table
):
    read = again(api_client)
    trigger = N.trigger("update")
    statement = (
        f"ALTER TABLE {TABLE} DISABLE TRIGGER {trigger}"
        if how == "DISABLE TRIGGER"
        else f"DROP TRIGGER {trigger} ON {TABLE}"
    )
    pipeline(statement)
    try:
        first, second = read(), read()
        status = api_client.get(reverse("media-table")).json()["change_log"]
    finally:
        pipeline(f"DROP TRIGGER IF EXISTS {trigger} ON {TABLE}")
        change_log.install()

    assert (first.read_cache, second.read_cache) == ("miss", "hit")
    assert status["mode"] == "snapshot"
    assert "media_change_log install" in status["detail"]


@pytest.mark.parametrize(
    "migration",
    [
        "ALTER TABLE {table} ADD COLUMN subtitle_language varchar(10)",
        "ALTER TABLE {table} DROP COLUMN uploader",
        "ALTER TYPE \"atp\".media_type ADD VALUE 'audiobook'",
    ],
    ids=["add column", "drop column", "enum label"],
)
def test_a_migration_passes_with_the_log_installed_and_is_seen(
    api_client, rows, migration, media_table
):
    read = again(api_client, path=FACETS, query={})
    pipeline(migration.format(table=TABLE))
    live_layout.forget()
    try:
        response = read()
        written = api_client.get(LIST, PAGE).status_code
    finally:
        make_media_table(media_table)

    assert response.read_cache == "miss"
    assert written == 200


@pytest.mark.exclusive  # no transaction elsewhere in the cluster may hold the xmin back
def test_pruning_drops_finished_writers_and_an_answer_older_than_them_is_read_again(
    api_client, rows
):
    read = again(api_client)
    pipeline(f"UPDATE {TABLE} SET media_title = 'Old news' WHERE hash = %s", [rows[-1].hash])

    pruned = change_log.prune(keep_seconds=0)
    with connect() as sql:
        left = sql.execute(f"SELECT count(*) FROM {N.log}").fetchone()[0]

    # The stored answer's snapshot predates the pruned writer: the log no longer covers it.
    assert (pruned, left) == (1, 0)
    assert read().read_cache == "miss"
    assert read().read_cache == "hit"
