"""Repeated reads with the read cache (media/read_cache.py): `make bench`'s second table.

On the same database as the cases of run.py, a second server with the cache on
(READ_CACHE_MB) serves /rear-diff/health (the fixed cost of a request), then the
default and the filtered page: while nothing writes, and while a writer commits
every 100 ms (a one-row INSERT into a table of another database; an UPDATE of a
media row outside the page, or of one on it) or every 10 ms (any of the first
rows the table returns); the first server (cache off) serves the same pages
idle and under the writers that change them, for the comparison. The bench
database has the change log (migrate_locked installs it), so the cache-on
server validates by it. Hit rates come from the cache-on server's request log.
The cache's memory is tests/bench/cache_memory.py's.
"""

import json
import math
import os
import random
import threading
from dataclasses import dataclass

from tests.bench.drivers import CONNECTIONS, wrk
from tests.bench.service import PROXY_HEADERS
from tests.bench.table import MeasuredRow
from tests.support.server import ProductionServer

CACHE_MB = 64
PAGES = ("default", "filtered")
# The filtered case's filter and order (tests/bench/cases.py), to find rows on and off its page.
FILTERED = ("media_type = 'movie' AND pipeline_status = 'complete'", "release_year, hash")
ELSEWHERE = "bench_elsewhere"  # another database of the same server


@dataclass(frozen=True)
class WriterKind:
    name: str
    interval: float | None  # seconds between commits; None: nothing writes
    where: str = ""  # "elsewhere", "off" or "on" the page, or "" for the table's first rows
    cache_off_too: bool = False  # also measured with the cache off, for the comparison


WRITERS = (
    WriterKind("idle", None, cache_off_too=True),
    WriterKind("another database, 100 ms", 0.1, "elsewhere"),
    WriterKind("a row off the page, 100 ms", 0.1, "off"),
    WriterKind("a row on the page, 100 ms", 0.1, "on", cache_off_too=True),
    WriterKind("any row, 10 ms", 0.01, "", cache_off_too=True),
)
COLUMNS = ["table", "rows", "page", "cache", "writer commits/s", "req/s", "p50 ms", "p99 ms"]
COLUMNS += ["hit rate", "floor TPS", "x floor", "x health"]


@dataclass(kw_only=True)
class RepeatRow(MeasuredRow):
    page: str
    mode: str
    hit_rate: float | None
    health_rps: float
    commits_per_second: float | None  # what the writer achieved, not what it aimed at

    def cells(self) -> list[str]:
        rps = self.served.rps
        return [
            *self.place(),
            self.page,
            self.mode,
            "-" if self.commits_per_second is None else f"{self.commits_per_second:.1f}",
            *self.speed(),
            "-" if self.hit_rate is None else f"{self.hit_rate:.0%}",
            f"{self.floor_tps:.1f}" if self.floor_tps else "-",
            f"{rps / self.floor_tps:.1f}" if self.floor_tps else "-",
            f"{rps / self.health_rps:.2f}",
        ]


def targets(sql, page: str, where: str) -> list[str]:
    """Hashes of rows the page shows (`on`), does not show (`off`), or the table's first rows."""
    visible = (
        "deleted_at IS NULL"
        if sql.execute(
            "SELECT 1 FROM pg_attribute WHERE attrelid = 'atp.media'::regclass "
            "AND attname = 'deleted_at' AND NOT attisdropped"
        ).fetchone()
        else "true"
    )
    if page == "default":
        order = "created_at DESC, hash DESC"
        chosen = {
            "on": f"WHERE {visible} ORDER BY {order} LIMIT 100",
            "off": f"WHERE {visible} ORDER BY created_at, hash LIMIT 1000",  # the oldest
        }
    else:
        condition, order = FILTERED
        chosen = {
            "on": f"WHERE {condition} AND {visible} ORDER BY {order} LIMIT 100",
            "off": f"WHERE NOT ({condition}) LIMIT 1000",
        }
    query = f"SELECT hash FROM atp.media {chosen.get(where, 'LIMIT 1000')}"
    return [h for (h,) in sql.execute(query)]


class Writer(threading.Thread):
    """Commits one statement every `kind.interval` seconds: an UPDATE of a media row that
    changes nothing but its version (the data stay), or an INSERT into another database;
    with no interval, none.

    Entering waits for the first commit: until then the answers the warm-up
    stored are still valid, and a run would count their hits.
    """

    def __init__(self, cluster, dbname: str, kind: WriterKind, page: str):
        super().__init__(daemon=True)
        self.cluster, self.dbname, self.kind, self.page = cluster, dbname, kind, page
        self.stopped, self.committed = threading.Event(), threading.Event()
        self.commits = 0

    def run(self) -> None:
        if self.kind.interval is None:
            return
        if self.kind.where == "elsewhere":
            with self.cluster.connect(ELSEWHERE) as sql:
                sql.execute("CREATE TABLE IF NOT EXISTS noise (n int)")
                self._write(sql, lambda: ("INSERT INTO noise VALUES (1)", []))
            return
        with self.cluster.connect(self.dbname) as sql:
            hashes = targets(sql, self.page, self.kind.where)
            update = "UPDATE atp.media SET uploader = uploader WHERE hash = %s"
            self._write(sql, lambda: (update, [random.choice(hashes)]))

    def _write(self, sql, statement) -> None:
        while not self.stopped.wait(self.kind.interval):
            sql.execute(*statement())
            self.commits += 1
            self.committed.set()

    def __enter__(self):
        self.start()
        if self.kind.interval is not None and not self.committed.wait(60):
            raise RuntimeError("the writer committed nothing in 60 s")
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.join()


class CacheLog:
    """The cache outcomes in the server's request log (JSON lines) since the last mark."""

    def __init__(self, path):
        self.path, self.offset = path, 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size

    def hit_rate(self) -> float | None:
        with self.path.open() as log:
            log.seek(self.offset)
            outcomes = [json.loads(line).get("cache") for line in log if line.startswith("{")]
        counted = [outcome for outcome in outcomes if outcome in ("hit", "miss")]
        return counted.count("hit") / len(counted) if counted else None


def warm(url: str, seconds: float) -> None:
    """Requests on fresh connections for `seconds`, so that every worker (each with
    its own cache) is reached, not only those wrk's kept-alive connections land on."""
    wrk(url, math.ceil(seconds), {**PROXY_HEADERS, "Connection": "close"})


def ensure_elsewhere(cluster) -> None:
    with cluster.connect() as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [ELSEWHERE])
        if not found.fetchone():
            admin.execute(f'CREATE DATABASE "{ELSEWHERE}"')


def bench_repeat(size, env: dict, cases: dict, floors: dict, log_dir) -> list:
    """The repeat table's rows for one database."""
    rows = []
    ensure_elsewhere(size.cluster)
    log = log_dir / f"gunicorn-{size.dbname}-cache.log"
    # BENCH_CHANGE_LOG=false: the cache validated by snapshot, as before the change log.
    environment = {
        **env,
        "READ_CACHE_MB": str(CACHE_MB),
        "LOG_FORMAT": "json",
        "CHANGE_LOG": os.environ.get("BENCH_CHANGE_LOG", "true"),
    }
    with ProductionServer(environment, log=log) as server:
        cache_log = CacheLog(log)
        health = wrk(server.url("/rear-diff/health"), size.seconds, PROXY_HEADERS)
        servers = {"off": size.service, "on": server}
        for page in PAGES:
            # Long enough for each worker's first miss, which costs the page's SQL.
            warm_up = (size.warmup or 1) + 3 * CONNECTIONS / floors[page]
            for kind in WRITERS:
                for cache, target in servers.items():
                    if cache == "off" and not kind.cache_off_too:
                        continue
                    url = target.url(cases[page].path)
                    warm(url, warm_up if cache == "on" else size.warmup or 1)
                    with Writer(size.cluster, size.dbname, kind, page) as writer:
                        cache_log.mark()
                        commits_before = writer.commits
                        result = wrk(url, size.seconds, PROXY_HEADERS)
                        commits = writer.commits - commits_before
                    rows.append(
                        RepeatRow(
                            table=size.table,
                            rows=size.rows,
                            page=page,
                            mode=f"{cache}, {kind.name}",
                            served=result,
                            hit_rate=cache_log.hit_rate() if cache == "on" else None,
                            floor_tps=floors[page],
                            health_rps=health.rps,
                            commits_per_second=commits / size.seconds if kind.interval else None,
                        )
                    )
                    print("  " + " | ".join(rows[-1].cells()), flush=True)
    return rows
