"""The read cache under a writer, against the production server: 0 stale answers.

gunicorn (2 workers, the cache on) serves a database of its own. A writer
commits random changes, aborts some transactions and keeps others open across
reads; readers compare every answer with the same question asked in SQL on
their own connection. A read-write lock keeps commits out of the span between
a request and its SQL check (the writer's open transactions are not commits,
so they may span reads), so any difference is a stale answer.
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

# Hits need an unchanged cluster-wide snapshot: no other test may commit meanwhile.
pytestmark = pytest.mark.exclusive
ROUNDS = 150
READERS = 2
TABLE = f'"{settings.MEDIA_SCHEMA}".media'
QUESTIONS = {
    "/rear-diff/media?limit=15&sort_by=hash&sort_order=asc": (
        f"SELECT hash, rejection_status, media_title FROM {TABLE} "
        "WHERE deleted_at IS NULL ORDER BY hash LIMIT 15",
        f"SELECT count(*) FROM {TABLE} WHERE deleted_at IS NULL",
    ),
    "/rear-diff/media?limit=15&rejection_status=override&sort_by=hash&sort_order=asc": (
        f"SELECT hash, rejection_status, media_title FROM {TABLE} "
        "WHERE deleted_at IS NULL AND rejection_status = 'override' ORDER BY hash LIMIT 15",
        f"SELECT count(*) FROM {TABLE} WHERE deleted_at IS NULL AND rejection_status = 'override'",
    ),
}


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
    """Random commits, aborts and transactions left open for a while."""
    rng = random.Random(seed)
    with connect(name) as sql, connect(name) as lingering:
        hashes = [h for (h,) in sql.execute(f"SELECT hash FROM {TABLE}")]
        open_for = 0
        while not stop.is_set():
            target = rng.choice(hashes)
            change = rng.choice(["override", "accepted", "rejected", "unfiltered"])
            kind = rng.choices(["commit", "abort", "open", "delete"], weights=[6, 2, 1, 1])[0]
            with lock.write():
                if open_for == 1:
                    lingering.execute("COMMIT")
                open_for = max(open_for - 1, 0)
                update = (
                    f"UPDATE {TABLE} SET rejection_status = %s, media_title = %s WHERE hash = %s"
                )
                if kind == "commit":
                    sql.execute(update, [change, f"t{rng.randrange(10**6)}", target])
                elif kind == "delete":
                    sql.execute(f"UPDATE {TABLE} SET deleted_at = now() WHERE hash = %s", [target])
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


def expected(sql, path):
    rows_query, count_query = QUESTIONS[path]
    rows = [list(row) for row in sql.execute(rows_query)]
    return rows, sql.execute(count_query).fetchone()[0]


def served(body):
    page = json.loads(body)
    rows = [[i["hash"], i["rejection_status"], i["media_title"]] for i in page["data"]]
    return rows, page["pagination"]["total"]


@pytest.fixture
def cached_service(django_db_setup, django_db_blocker, tmp_path):
    with scratch_database("cache", generation="g2") as name:
        environment = server_environment(
            PGSQL_NAME=name, THROTTLE_ANON_RATE="", READ_CACHE_MB="16", LOG_FORMAT="json"
        )
        made = run_python(
            ["manage.py", "media_generate", "--rows", "300", "--allow-external"], environment
        )
        assert made.returncode == 0, made.stderr
        with ProductionServer(environment, log=tmp_path / "log") as server:
            yield name, server


def test_readers_under_a_random_writer_get_no_stale_answer(cached_service, tmp_path: Path):
    name, server = cached_service
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
                if served(body) != truth:
                    stale.append((path, served(body), truth))

    writing = threading.Thread(target=writer, args=(name, lock, stop, 1, tally))
    readers = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    writing.start()
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(timeout=120)
    stop.set()
    writing.join(timeout=30)

    log = [
        json.loads(line)
        for line in (tmp_path / "log").read_text().splitlines()
        if '"cache"' in line
    ]
    outcomes = Counter(entry["cache"] for entry in log)
    print(
        f"\n{sum(compared.values())} answers compared, {len(stale)} stale; cache {dict(outcomes)}; "
        f"writer {dict(tally)}"
    )
    assert stale == []
    assert sum(compared.values()) == ROUNDS * READERS
    assert outcomes["hit"] > 0 and outcomes["miss"] > 0
    assert tally["commit"] > 0 and tally["abort"] > 0 and tally["open"] > 0
