"""The read cache under writers, against the production server: 0 stale answers.

gunicorn (2 workers, the cache on) serves a database of its own, with the change
log installed (validation by the log) or not (by snapshot). A writer changes
the media table and atp.training at random: commits, aborts, inserts, soft and
hard deletes, transactions kept open across reads, and migrations (a column, an
enum label); others commit all along to another table of the same database and
to another database. Readers compare every answer (pages, a filtered page, an
item, the facets) with the same question asked in SQL on their own connection.
A read-write lock keeps the media writer's commits out of the span between a
request and its SQL check (its open transactions are not commits, so they may
span reads), so any difference is a stale answer.
"""

import json
import random
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.database import connect, scratch_database, server_environment
from tests.support.server import ProductionServer, run_python

# By snapshot, a commit anywhere in the cluster is a miss: hits need it to ourselves.
pytestmark = pytest.mark.exclusive
ROUNDS = 150
READERS = 2
SCHEMA = f'"{settings.MEDIA_SCHEMA}"'
TABLE = f"{SCHEMA}.media"
LIST = "/rear-diff/media"
ROW = "hash, rejection_status, media_title"
QUESTIONS = {
    f"{LIST}?limit=15&sort_by=hash&sort_order=asc": (
        f"SELECT {ROW} FROM {TABLE} WHERE deleted_at IS NULL ORDER BY hash LIMIT 15",
        f"SELECT count(*) FROM {TABLE} WHERE deleted_at IS NULL",
    ),
    f"{LIST}?limit=15&rejection_status=override&sort_by=hash&sort_order=asc": (
        f"SELECT {ROW} FROM {TABLE} WHERE deleted_at IS NULL AND rejection_status = 'override' "
        "ORDER BY hash LIMIT 15",
        f"SELECT count(*) FROM {TABLE} WHERE deleted_at IS NULL AND rejection_status = 'override'",
    ),
    # Newest first, the default: the page most updates leave alone.
    f"{LIST}?limit=10": (
        f"SELECT {ROW} FROM {TABLE} WHERE deleted_at IS NULL "
        "ORDER BY created_at DESC, hash DESC LIMIT 10",
        f"SELECT count(*) FROM {TABLE} WHERE deleted_at IS NULL",
    ),
    # The training keys of the page's movies.
    f"{LIST}?limit=10&sort_by=imdb_id&sort_order=asc&media_type=movie": (
        f"SELECT m.hash, t.rt_score FROM {TABLE} m LEFT JOIN {SCHEMA}.training t USING (imdb_id) "
        "WHERE m.deleted_at IS NULL AND m.media_type = 'movie' "
        "ORDER BY m.imdb_id, m.hash LIMIT 10",
        f"SELECT count(*) FROM {TABLE} WHERE deleted_at IS NULL AND media_type = 'movie'",
    ),
    f"{LIST}/facets?fields=rejection_status,pipeline_status": (
        "SELECT e.enumlabel::text, count(m.hash) FROM pg_enum e "
        f"LEFT JOIN {TABLE} m ON m.rejection_status::text = e.enumlabel AND m.deleted_at IS NULL "
        f"WHERE e.enumtypid = '{SCHEMA}.rejection_status'::regtype "
        "GROUP BY e.enumlabel, e.enumsortorder ORDER BY e.enumsortorder",
        "SELECT e.enumlabel::text, count(m.hash) FROM pg_enum e "
        f"LEFT JOIN {TABLE} m ON m.pipeline_status::text = e.enumlabel AND m.deleted_at IS NULL "
        f"WHERE e.enumtypid = '{SCHEMA}.pipeline_status'::regtype "
        "GROUP BY e.enumlabel, e.enumsortorder ORDER BY e.enumsortorder",
    ),
}
# The pipeline's migrations, one at a time: a column added, an enum label, the column dropped.
MIGRATIONS = [
    f"ALTER TABLE {TABLE} ADD COLUMN subtitle_language varchar(10)",
    f"ALTER TYPE {SCHEMA}.pipeline_status ADD VALUE 'seeding'",
    f"ALTER TABLE {TABLE} DROP COLUMN subtitle_language",
]


class ReadWriteLock:
    """Many readers or one writer; a waiting writer goes before new readers."""

    def __init__(self):
        self._readers = self._writers = 0
        self._condition = threading.Condition()

    @contextmanager
    def read(self):
        with self._condition:
            self._condition.wait_for(lambda: self._writers == 0)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def write(self):
        with self._condition:
            self._writers += 1
            self._condition.wait_for(lambda: self._readers == 0)
            try:
                yield
            finally:
                self._writers -= 1
                self._condition.notify_all()


def writer(name, lock, stop, seed, tally):
    """Random commits, aborts, inserts, deletes, transactions left open for a while, the
    training rows of movies, and now and then a migration."""
    rng = random.Random(seed)
    migrations = list(MIGRATIONS)
    update = f"UPDATE {TABLE} SET rejection_status = %s, media_title = %s WHERE hash = %s"
    with connect(name) as sql, connect(name) as lingering:
        hashes = [h for (h,) in sql.execute(f"SELECT hash FROM {TABLE}")]
        movies = [i for (i,) in sql.execute(f"SELECT imdb_id FROM {SCHEMA}.training")]
        open_for = turn = 0
        while not stop.is_set():
            turn += 1
            target = rng.choice(hashes)
            change = rng.choice(["override", "accepted", "rejected", "unfiltered"])
            kinds = ["commit", "abort", "open", "delete", "insert", "gone", "training"]
            kind = rng.choices(kinds, weights=[6, 2, 1, 1, 1, 1, 2])[0]
            if migrations and turn % 15 == 0:
                kind = "migration"
            with lock.write():
                if open_for == 1:
                    lingering.execute("COMMIT")
                open_for = max(open_for - 1, 0)
                if kind == "commit":
                    sql.execute(update, [change, f"t{rng.randrange(10**6)}", target])
                elif kind == "delete":
                    sql.execute(f"UPDATE {TABLE} SET deleted_at = now() WHERE hash = %s", [target])
                elif kind == "gone":
                    sql.execute(f"DELETE FROM {TABLE} WHERE hash = %s", [target])
                elif kind == "insert":
                    new = f"{rng.getrandbits(160):040x}"
                    sql.execute(
                        f"INSERT INTO {TABLE} (hash, media_type, original_title, rejection_status,"
                        " created_at) VALUES (%s, 'movie', 'new', %s, now())",
                        [new, change],
                    )
                    hashes.append(new)
                elif kind == "training":
                    sql.execute(
                        f"UPDATE {SCHEMA}.training SET rt_score = %s WHERE imdb_id = %s",
                        [rng.randrange(101), rng.choice(movies)],
                    )
                elif kind == "migration":
                    sql.execute(migrations.pop(0))
                elif kind == "abort":
                    with sql.transaction(force_rollback=True):
                        sql.execute(update, [change, "aborted", target])
                elif open_for == 0:
                    lingering.execute("BEGIN")
                    lingering.execute(update, [change, "lingering", target])
                    open_for = 3  # committed three writes later
            tally[kind] += 1
            stop.wait(rng.uniform(0.005, 0.03))
        if open_for:
            lingering.execute("COMMIT")


def elsewhere(dbname, stop, tally, key):
    """Commits that change nothing the service serves: another table, another database."""
    with connect(dbname) as sql:
        sql.execute("CREATE TABLE IF NOT EXISTS public.noise (n int)")
        while not stop.is_set():
            sql.execute("INSERT INTO public.noise VALUES (1)")
            tally[key] += 1
            stop.wait(0.01)
        sql.execute("DROP TABLE public.noise")


def expected(sql, path):
    first, second = QUESTIONS[path]
    if "facets" in path:
        return [list(r) for r in sql.execute(first)], [list(r) for r in sql.execute(second)]
    rows = [list(row) for row in sql.execute(first)]
    return rows, sql.execute(second).fetchone()[0]


def served(path, body):
    page = json.loads(body)
    if "facets" in path:
        facets = page["facets"]
        return tuple(
            [[f["value"], f["count"]] for f in facets[name]]
            for name in ("rejection_status", "pipeline_status")
        )
    keys = ["hash", "rt_score"] if "imdb_id" in path else ROW.split(", ")
    return [[i[k] for k in keys] for i in page["data"]], page["pagination"]["total"]


@pytest.fixture(params=["log", "snapshot"])
def cached_service(request, django_db_setup, django_db_blocker, tmp_path):
    """(database, server, mode): the service on a database of its own, migrated, validating
    by the change log or (CHANGE_LOG=false) by snapshot."""
    with scratch_database("cache", generation="g2") as name:
        environment = server_environment(
            PGSQL_NAME=name,
            THROTTLE_ANON_RATE="",
            READ_CACHE_MB="16",
            LOG_FORMAT="json",
            CHANGE_LOG=str(request.param == "log").lower(),
        )
        made = run_python(
            ["manage.py", "media_generate", "--rows", "300", "--allow-external"], environment
        )
        assert made.returncode == 0, made.stderr
        installed = run_python(["manage.py", "migrate_locked", "--no-input"], environment)
        assert "Installed the change log" in installed.stdout, installed.stderr
        with ProductionServer(environment, log=tmp_path / "log") as server:
            yield name, server, request.param


def test_readers_under_random_writers_get_no_stale_answer(cached_service, tmp_path: Path):
    name, server, mode = cached_service
    lock, stop, tally = ReadWriteLock(), threading.Event(), Counter()
    stale, compared = [], Counter()

    def reader(index):
        rng = random.Random(index)
        with connect(name) as sql:
            for _ in range(ROUNDS):
                path = rng.choice(list(QUESTIONS))
                with lock.read():
                    status, _, body = server.get(path)
                    truth = expected(sql, path)
                assert status == 200, body
                compared[path] += 1
                if served(path, body) != truth and served(path, body) != tuple(truth):
                    stale.append((path, served(path, body), truth))

    threads = [
        threading.Thread(target=writer, args=(name, lock, stop, 1, tally)),
        threading.Thread(target=elsewhere, args=(name, stop, tally, "other table")),
        threading.Thread(target=elsewhere, args=("postgres", stop, tally, "other database")),
    ]
    readers = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for thread in threads + readers:
        thread.start()
    for thread in readers:
        thread.join(timeout=180)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    log = [
        json.loads(line)
        for line in (tmp_path / "log").read_text().splitlines()
        if '"cache"' in line
    ]
    outcomes = Counter(entry["cache"] for entry in log)
    print(
        f"\n[{mode}] {sum(compared.values())} answers compared, {len(stale)} stale; "
        f"cache {dict(outcomes)}; writers {dict(tally)}"
    )
    assert stale == []
    assert sum(compared.values()) == ROUNDS * READERS
    assert outcomes["miss"] > 0
    assert tally["commit"] > 0 and tally["abort"] > 0 and tally["open"] > 0
    if mode == "log":
        # Commits elsewhere leave answers valid: with the log, hits despite them.
        assert outcomes["hit"] > 0 and tally["migration"] > 0
