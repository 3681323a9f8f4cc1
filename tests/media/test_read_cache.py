"""media/read_cache.py: repeated reads served from memory while the database snapshot holds.

These tests commit (transactional_db), as a deployment's requests do: inside a
test's open transaction the snapshot never moves, so the cache stays off there
(a test of that below). The media table is not Django's, so each test's rows
are deleted by the `committed_rows` fixture.
"""

import subprocess
import sys

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media.models import Media
from media.read_cache import read_cache
from tests.support.api import item_path, status_path
from tests.support.database import connect
from tests.support.metrics import scrape
from tests.support.rows import make_media_table

# The test database has the change log: a commit by another test, in another
# database, leaves these answers valid (tests/media/test_change_log.py).
pytestmark = [pytest.mark.tables("g2"), pytest.mark.django_db(transaction=True)]
LIST = reverse("media-list")
FIVE = {"limit": 5}
TABLE = Media._meta.db_table


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.READ_CACHE_MB = 1
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 3600  # no layout check among the counted queries
    cache = read_cache()
    cache.entries.clear()
    cache.bytes = cache.hits = cache.misses = 0
    return cache


@pytest.fixture
def committed_rows(transactional_db, media_table, make_media):
    rows = make_media(n=8, seed=5)
    yield rows
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")


def dsn():
    with connect() as probe:
        return probe.info.dsn


def pipeline_sql(statement, params=()):
    """A write by the pipeline: its own connection, committed."""
    with connect() as pipeline:
        pipeline.execute(statement, params)


def test_a_repeated_read_is_a_hit_that_costs_one_query_and_the_same_bytes(
    api_client, committed_rows
):
    first = api_client.get(LIST, FIVE)
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get(LIST, FIVE)

    assert (first.read_cache, second.read_cache) == ("miss", "hit")
    assert len(queries) == 1 and "change_log_check" in queries[0]["sql"]
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert read_cache().stats() | {"bytes": 0} == {
        "entries": 1,
        "bytes": 0,
        "limit_bytes": 1024 * 1024,
        "hits": 1,
        "misses": 1,
    }


def test_a_commit_by_the_pipeline_is_seen_by_the_next_read(api_client, committed_rows):
    target = api_client.get(LIST, FIVE).json()["data"][0]["hash"]
    pipeline_sql(f"UPDATE {TABLE} SET media_title = 'Changed' WHERE hash = %s", [target])

    response = api_client.get(LIST, FIVE)

    assert response.read_cache == "miss"
    assert response.json()["data"][0]["media_title"] == "Changed"


def test_a_commit_by_another_process_is_seen_by_the_next_read(api_client, committed_rows):
    url = item_path(committed_rows[0].hash)
    before = api_client.get(url)
    script = (
        "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute(sys.argv[2])"
    )
    statement = f"UPDATE {TABLE} SET uploader = 'elsewhere' WHERE hash = '{committed_rows[0].hash}'"
    subprocess.run([sys.executable, "-c", script, dsn(), statement], check=True)

    after = api_client.get(url)

    assert before.json()["uploader"] != "elsewhere"
    assert after.json()["uploader"] == "elsewhere"
    assert after["ETag"] != before["ETag"]


def test_the_services_own_patch_is_seen_by_the_next_read_without_any_invalidation(
    api_client, operator_client, committed_rows
):
    row = committed_rows[0]
    before = api_client.get(item_path(row.hash))
    assert api_client.get(item_path(row.hash)).read_cache == "hit"

    operator_client.patch(
        status_path(row.hash),
        {"hash": row.hash, "rejection_status": "override"},
        format="json",
    )
    after = api_client.get(item_path(row.hash))

    assert after.read_cache == "miss"
    assert after.json()["rejection_status"] == "override"
    assert after["ETag"] != before["ETag"]


def test_a_migration_of_the_table_is_seen_by_the_next_read(
    api_client, committed_rows, media_table, settings
):
    api_client.get(LIST, FIVE)
    pipeline_sql(f"ALTER TABLE {TABLE} DROP COLUMN uploader")
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 0
    try:
        response = api_client.get(LIST, FIVE)
    finally:  # committed: the session's table is made again for the tests after this one
        make_media_table(media_table)

    assert response.read_cache == "miss"
    assert response.json()["data"][0]["uploader"] is None


@pytest.mark.exclusive  # by snapshot, a commit anywhere in the cluster is a miss
def test_without_the_log_an_aborted_transaction_misses_once_and_serves_the_same_bytes(
    api_client, committed_rows, settings
):
    settings.CHANGE_LOG_ENABLED = False  # by snapshot: the abort moves it
    first = api_client.get(LIST, FIVE)
    with (
        connect() as pipeline,
        pytest.raises(psycopg.errors.DivisionByZero),
        pipeline.transaction(),
    ):
        pipeline.execute(f"UPDATE {TABLE} SET media_title = 'Never'")
        pipeline.execute("SELECT 1 / 0")

    second = api_client.get(LIST, FIVE)
    third = api_client.get(LIST, FIVE)

    assert (second.read_cache, third.read_cache) == ("miss", "hit")
    assert second.content == first.content


def test_an_open_write_transaction_is_not_seen_until_it_commits(api_client, committed_rows):
    first = api_client.get(LIST, FIVE)
    target = first.json()["data"][0]["hash"]
    with connect() as pipeline, pipeline.transaction():
        pipeline.execute(f"UPDATE {TABLE} SET media_title = 'Later' WHERE hash = %s", [target])
        during = api_client.get(LIST, FIVE)
    after = api_client.get(LIST, FIVE)

    assert during.content == first.content
    assert after.read_cache == "miss"
    assert after.json()["data"][0]["media_title"] == "Later"


def test_if_none_match_answers_304_after_only_the_snapshot_check(api_client, committed_rows):
    etag = api_client.get(LIST, FIVE)["ETag"]

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(LIST, FIVE, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert len(queries) == 1


def test_if_none_match_answers_200_with_the_new_body_after_a_change(api_client, committed_rows):
    etag = api_client.get(LIST, FIVE)["ETag"]
    pipeline_sql(f"UPDATE {TABLE} SET media_title = 'New'")

    response = api_client.get(LIST, FIVE, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_an_item_keeps_its_row_version_etag_for_if_match(
    api_client, operator_client, committed_rows
):
    row = committed_rows[1]
    etag = api_client.get(item_path(row.hash))["ETag"]
    assert api_client.get(item_path(row.hash))["ETag"] == etag  # a hit
    pipeline_sql(f"UPDATE {TABLE} SET uploader = 'x' WHERE hash <> %s", [row.hash])

    # Another row changed: this row's version, and so its ETag, stand.
    response = api_client.get(item_path(row.hash), headers={"If-None-Match": etag})
    changed = operator_client.patch(
        status_path(row.hash),
        {"hash": row.hash, "rejection_status": "accepted"},
        format="json",
        headers={"If-Match": etag},
    )

    assert response.status_code == 304
    assert changed.status_code == 200


def test_with_read_cache_mb_0_every_read_is_computed(api_client, committed_rows, settings):
    settings.READ_CACHE_MB = 0

    responses = [api_client.get(LIST, FIVE) for _ in range(2)]

    assert [r.read_cache for r in responses] == ["off", "off"]
    assert read_cache().stats()["entries"] == 0


def test_the_cache_stays_within_its_byte_budget_dropping_the_least_recently_used(
    api_client, committed_rows, settings
):
    settings.READ_CACHE_MB = 4 / 1024  # 4 KiB: room for a few one-row pages
    for offset in range(8):
        api_client.get(LIST, {"limit": 1, "offset": offset})
    stats = read_cache().stats()

    assert 0 < stats["entries"] < 8
    assert stats["bytes"] <= stats["limit_bytes"]
    assert api_client.get(LIST, {"limit": 1, "offset": 7}).read_cache == "hit"
    assert api_client.get(LIST, {"limit": 1, "offset": 0}).read_cache == "miss"


def test_the_metrics_count_hits_misses_evictions_and_show_the_bytes_held(
    api_client, committed_rows, settings
):
    settings.READ_CACHE_MB = 4 / 1024  # 4 KiB: room for a few one-row pages
    before = scrape(api_client)

    for offset in [*range(8), 7]:
        api_client.get(LIST, {"limit": 1, "offset": offset})
    after = scrape(api_client)

    def added(name):
        return after.value(f"rear_diff_read_cache_{name}_total") - before.value(
            f"rear_diff_read_cache_{name}_total"
        )

    stats = read_cache().stats()
    assert (added("misses"), added("hits")) == (8, 1)
    assert added("evictions") == 8 - stats["entries"] > 0
    assert after.value("rear_diff_read_cache_bytes") == stats["bytes"] > 0


def test_reads_inside_an_open_transaction_are_not_cached(api_client, committed_rows):
    """Its own writes do not move the snapshot: a cached answer could hide them."""
    with transaction.atomic():
        api_client.get(LIST, FIVE)
        response = api_client.get(LIST, FIVE)

    assert response.read_cache == "off"


def test_parameters_in_another_order_are_the_same_entry(api_client, committed_rows):
    api_client.get(f"{LIST}?limit=3&sort_order=asc")

    assert api_client.get(f"{LIST}?sort_order=asc&limit=3").read_cache == "hit"


@pytest.mark.parametrize("path", ["list", "item"])
def test_accept_parameters_are_not_echoed_nor_a_separate_entry(api_client, committed_rows, path):
    """Content-Type names the media type the service renders, never what the client added."""
    url = LIST if path == "list" else item_path(committed_rows[0].hash)
    plain = api_client.get(url, headers={"Accept": "application/json"})

    decorated = api_client.get(url, headers={"Accept": "application/json; indent=4; x=<b>"})

    assert plain["Content-Type"] == decorated["Content-Type"] == "application/json"
    assert (plain.read_cache, decorated.read_cache) == ("miss", "hit")
    assert decorated.content == plain.content
    assert read_cache().stats()["entries"] == 1


def test_the_browsable_api_is_not_cached(api_client, committed_rows):
    response = api_client.get(LIST, FIVE, headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert getattr(response, "read_cache", None) is None


def test_the_request_log_line_says_hit_or_miss_with_the_process_totals(
    api_client, committed_rows, caplog
):
    api_client.get(LIST, FIVE)
    api_client.get(LIST, FIVE)

    lines = [r for r in caplog.records if r.name == "media.requests"]
    assert [(r.cache, r.cache_hits, r.cache_misses) for r in lines] == [
        ("miss", 0, 1),
        ("hit", 1, 1),
    ]
    assert lines[-1].cache_bytes > 0
    assert lines[-1].getMessage().endswith("cache: hit")


def test_readiness_reports_the_cache_size(api_client, committed_rows):
    api_client.get(LIST, FIVE)

    stats = api_client.get(reverse("health-ready")).json()["read_cache"]

    assert stats["entries"] == 1 and stats["bytes"] > 0 and stats["misses"] == 1


@pytest.fixture
def shared_cache(settings):
    """Django's cache on the Redis of this machine, when one answers."""
    import redis

    location = "redis://127.0.0.1:6379/7"
    try:
        redis.Redis.from_url(location).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis answers on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-read-cache-{connection.settings_dict['NAME']}",
        }
    }
    settings.READ_CACHE_SHARED = True
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_with_a_shared_cache_another_process_entry_is_a_hit(
    api_client, committed_rows, shared_cache
):
    first = api_client.get(LIST, FIVE)
    read_cache().entries.clear()  # as if this were another worker

    second = api_client.get(LIST, FIVE)

    assert second.read_cache == "hit"
    assert second.content == first.content


def test_the_schema_documents_revalidation_of_the_list_and_the_item(schema):
    for path in ("/rear-diff/media", "/rear-diff/media/{hash}"):
        operation = schema["paths"][path]["get"]
        assert "304" in operation["responses"]
        assert "If-None-Match" in {p["name"] for p in operation["parameters"]}
        assert "ETag" in operation["responses"]["200"]["headers"]
