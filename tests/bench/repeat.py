"""Repeated reads with the read cache (media/read_cache.py): `make bench`'s second table.

On the same database as the cases of run.py, a second server with the cache on
(READ_CACHE_MB) serves /rear-diff/health (the fixed cost of a request), then the
default and the filtered page: while nothing writes, and while a writer commits
every 100 ms and every 10 ms; the first server (cache off) serves the same
pages under the same writers, for the comparison. Hit rates come from the
cache-on server's request log. The cache's memory is tests/bench/cache_memory.py's.
"""

import json
import math
import random
import threading
from dataclasses import dataclass

from tests.bench.drivers import CONNECTIONS, wrk
from tests.bench.service import PROXY_HEADERS
from tests.bench.table import MeasuredRow
from tests.support.server import ProductionServer

CACHE_MB = 64
PAGES = ("default", "filtered")
WRITERS = (("idle", None), ("writer 100 ms", 0.1), ("writer 10 ms", 0.01))
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


class Writer(threading.Thread):
    """Commits one UPDATE every `interval` seconds (a new row version; the data stay);
    with no interval, none.

    Entering waits for the first commit: until then the answers the warm-up
    stored are still valid, and a run would count their hits.
    """

    def __init__(self, cluster, dbname: str, interval: float | None):
        super().__init__(daemon=True)
        self.cluster, self.dbname, self.interval = cluster, dbname, interval
        self.stopped, self.committed = threading.Event(), threading.Event()
        self.commits = 0

    def run(self) -> None:
        if self.interval is None:
            return
        with self.cluster.connect(self.dbname) as sql:
            hashes = [h for (h,) in sql.execute("SELECT hash FROM atp.media LIMIT 1000")]
            while not self.stopped.wait(self.interval):
                target = random.choice(hashes)
                sql.execute("UPDATE atp.media SET uploader = uploader WHERE hash = %s", [target])
                self.commits += 1
                self.committed.set()

    def __enter__(self):
        self.start()
        if self.interval is not None and not self.committed.wait(60):
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


def bench_repeat(size, env: dict, cases: dict, floors: dict, log_dir) -> list:
    """The repeat table's rows for one database."""
    rows = []
    log = log_dir / f"gunicorn-{size.dbname}-cache.log"
    environment = {**env, "READ_CACHE_MB": str(CACHE_MB), "LOG_FORMAT": "json"}
    with ProductionServer(environment, log=log) as server:
        cache_log = CacheLog(log)
        health = wrk(server.url("/rear-diff/health"), size.seconds, PROXY_HEADERS)
        servers = {"off": size.service, "on": server}
        for page in PAGES:
            # Long enough for each worker's first miss, which costs the page's SQL.
            warm_up = (size.warmup or 1) + 3 * CONNECTIONS / floors[page]
            for mode, interval in WRITERS:
                for cache, target in servers.items():
                    url = target.url(cases[page].path)
                    warm(url, warm_up if cache == "on" else size.warmup or 1)
                    with Writer(size.cluster, size.dbname, interval) as writer:
                        cache_log.mark()
                        commits_before = writer.commits
                        result = wrk(url, size.seconds, PROXY_HEADERS)
                        commits = writer.commits - commits_before
                    rows.append(
                        RepeatRow(
                            table=size.table,
                            rows=size.rows,
                            page=page,
                            mode=f"{cache}, {mode}",
                            served=result,
                            hit_rate=cache_log.hit_rate() if cache == "on" else None,
                            floor_tps=floors[page],
                            health_rps=health.rps,
                            commits_per_second=commits / size.seconds if interval else None,
                        )
                    )
                    print("  " + " | ".join(rows[-1].cells()), flush=True)
    return rows
