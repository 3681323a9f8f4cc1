"""Repeated reads with the read cache (media/read_cache.py): `make bench`'s second table.

On the same database as the cases of run.py, a second server with the cache on
(READ_CACHE_MB) serves /rear-diff/health (the fixed cost of a request), then the
default and the filtered page: while nothing writes, and while a writer commits
every 100 ms and every 10 ms; the first server (cache off) serves the same
pages under the same writers, for the comparison. Hit rates come from the
cache-on server's request log.
Last, random distinct pages fill the cache past its limit, for the workers'
memory against the cache-off server's under the same load.
"""

import json
import random
import threading
from contextlib import nullcontext
from dataclasses import dataclass

from tests.bench.drivers import wrk
from tests.bench.service import PROXY_HEADERS, WorkerMemory
from tests.bench.table import MeasuredRow
from tests.support.server import ProductionServer

CACHE_MB = 64
PAGES = ("default", "filtered")
WRITERS = (("idle", None), ("writer 100 ms", 0.1), ("writer 10 ms", 0.01))
FILL_PAGES = 5_000  # distinct pages of 100 rows: far more than CACHE_MB holds
COLUMNS = ["table", "rows", "page", "cache", "req/s", "p50 ms", "p99 ms", "hit rate"]
COLUMNS += ["floor TPS", "x floor", "x health"]


@dataclass(kw_only=True)
class RepeatRow(MeasuredRow):
    page: str
    mode: str
    hit_rate: float | None
    health_rps: float

    def cells(self) -> list[str]:
        rps = self.served.rps
        return [
            *self.place(),
            self.page,
            self.mode,
            *self.speed(),
            "-" if self.hit_rate is None else f"{self.hit_rate:.0%}",
            f"{self.floor_tps:.1f}" if self.floor_tps else "-",
            f"{rps / self.floor_tps:.1f}" if self.floor_tps else "-",
            f"{rps / self.health_rps:.2f}",
        ]


class Writer(threading.Thread):
    """Commits one UPDATE every `interval` seconds (a new row version; the data stay)."""

    def __init__(self, cluster, dbname: str, interval: float):
        super().__init__(daemon=True)
        self.cluster, self.dbname, self.interval = cluster, dbname, interval
        self.stopped = threading.Event()
        self.commits = 0

    def run(self) -> None:
        with self.cluster.connect(self.dbname) as sql:
            hashes = [h for (h,) in sql.execute("SELECT hash FROM atp.media LIMIT 1000")]
            while not self.stopped.wait(self.interval):
                target = random.choice(hashes)
                sql.execute("UPDATE atp.media SET uploader = uploader WHERE hash = %s", [target])
                self.commits += 1

    def __enter__(self):
        self.start()
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


def bench_repeat(size, env: dict, cases: dict, floors: dict, log_dir) -> tuple[list, str]:
    """The repeat table's rows for one database, and a line on the workers' memory."""
    rows = []
    log = log_dir / f"gunicorn-{size.dbname}-cache.log"
    environment = {**env, "READ_CACHE_MB": str(CACHE_MB), "LOG_FORMAT": "json"}
    with ProductionServer(environment, log=log) as server:
        cache_log = CacheLog(log)
        health = wrk(server.url("/rear-diff/health"), size.seconds, PROXY_HEADERS)
        servers = {"off": size.service, "on": server}
        for page in PAGES:
            for mode, interval in WRITERS:
                for cache, target in servers.items():
                    url = target.url(cases[page].path)
                    wrk(url, size.warmup or 1, PROXY_HEADERS)
                    writer = (
                        Writer(size.cluster, size.dbname, interval) if interval else nullcontext()
                    )
                    with writer:
                        cache_log.mark()
                        result = wrk(url, size.seconds, PROXY_HEADERS)
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
                        )
                    )
                    print("  " + " | ".join(rows[-1].cells()), flush=True)
        memory = fill(server, size)
    return rows, memory


def fill(server, size) -> str:
    """Random distinct pages through a cache-on server: its workers' peak RSS, and the
    cache-off server's (size.service, still running) under the same load."""
    peaks = {}
    for name, target in (("cache off", size.service), (f"cache on ({CACHE_MB} MB)", server)):
        memory = WorkerMemory(target)
        memory.start()
        try:
            pages = min(FILL_PAGES, size.rows // 100)
            wrk(target.url("/"), size.seconds * 2, PROXY_HEADERS, random_pages=pages)
        finally:
            memory.stopped.set()
        peaks[name] = memory.case_peak_kb / 1024
    (off, off_mb), (on, on_mb) = peaks.items()
    return (
        f"Worker memory under up to {FILL_PAGES:,} random pages of 100 rows: "
        f"{off} {off_mb:.0f} MB, {on} {on_mb:.0f} MB "
        f"(+{on_mb - off_mb:.0f} MB for a {CACHE_MB} MB cache)."
    )
