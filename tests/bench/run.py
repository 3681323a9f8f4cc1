"""`make bench`: the service under wrk against its own SQL under pgbench.

For each table generation (BENCH_TABLES, default g0,g2: media/demo/ddl.py) and size
(BENCH_ROWS, default 10000,200000,1000000): a database on the benchmark's own embedded
PostgreSQL, the SQL of each case captured from Django,
gunicorn as in the Dockerfile, then per case a wrk run and a pgbench run of the
captured SQL, both at 8 connections on 2 threads. Prints one table and writes it
to .local/bench/results-<timestamp>.md and .local/bench/latest.md.

Tables of BENCH_REPEAT_MIN_ROWS (200000) rows or more also get the read
cache's repeat cases (tests/bench/repeat.py), in a second table.

Environment: BENCH_TABLES, BENCH_ROWS, BENCH_REPEAT_MIN_ROWS, BENCH_SECONDS (per
run, default 10), BENCH_WARMUP (wrk warm-up per case, default 2), BENCH_CASES (a
subset, e.g. default,patch), BENCH_CHANGE_LOG (false: the repeat table's cache
validated by snapshot), and GUNICORN_WORKERS etc. as config/gunicorn.py reads them.
"""

import json
import os
import platform
import runpy
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from config.embedded_postgres import EmbeddedCluster
from tests.bench import cluster as bench_cluster
from tests.bench.cases import all_cases
from tests.bench.drivers import pgbench, psql_check, require_wrk, wrk
from tests.bench.pool import COLUMNS as POOL_COLUMNS
from tests.bench.pool import bench_pool
from tests.bench.repeat import COLUMNS as REPEAT_COLUMNS
from tests.bench.repeat import PAGES, bench_repeat
from tests.bench.service import PROXY_HEADERS, WorkerMemory, service_env
from tests.bench.table import MeasuredRow, markdown
from tests.support.server import ProductionServer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".local" / "bench"
# Tables from this size on also get the read cache's repeat cases (tests/bench/repeat.py).
REPEAT_MIN_ROWS = int(os.environ.get("BENCH_REPEAT_MIN_ROWS", "200000"))
COLUMNS = [
    "table",
    "rows",
    "case",
    "req/s",
    "p50 ms",
    "p99 ms",
    "floor TPS",
    "floor ms",
    "service/floor",
    "naive TPS",
    "floor/naive",
    "n",
    "errors",
    "worker RSS MB",
]


@dataclass(kw_only=True)
class Row(MeasuredRow):
    case: str
    floor_ms: float
    naive_tps: float | None
    rss_mb: float

    def cells(self) -> list[str]:
        return [
            *self.place(),
            self.case,
            *self.speed(),
            f"{self.floor_tps:.1f}",
            f"{self.floor_ms:.1f}",
            f"{self.served.rps / self.floor_tps:.2f}" if self.floor_tps else "-",
            f"{self.naive_tps:.1f}" if self.naive_tps is not None else "-",
            f"{self.floor_tps / self.naive_tps:.2f}" if self.naive_tps else "-",
            str(self.served.ok),
            str(self.served.errors),
            f"{self.rss_mb:.0f}",
        ]


def capture_sql(rows: int, dbname: str, env: dict) -> tuple[Path, dict]:
    """The SQL each case makes the service send, as pgbench scripts: their folder and manifest."""
    folder = OUT / "sql" / dbname
    print(f"  capturing the service's SQL per case into {folder.relative_to(ROOT)}", flush=True)
    capture_log = OUT / f"capture-{dbname}.log"
    with capture_log.open("w") as log:
        capture = subprocess.run(
            [sys.executable, "-m", "tests.bench.capture", str(rows), str(folder)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if capture.returncode != 0:
        raise SystemExit(f"Capturing the SQL failed:\n{capture_log.read_text()[-3000:]}")
    return folder, json.loads((folder / "manifest.json").read_text())


@dataclass
class Size:
    """What the cases of one table size share."""

    table: str
    rows: int
    dbname: str
    seconds: int
    warmup: int
    cluster: EmbeddedCluster
    folder: Path  # the captured SQL
    manifest: dict
    service: ProductionServer | None = None
    memory: WorkerMemory | None = None


def case_request(case, size: Size, server: ProductionServer) -> tuple[str, dict, Path | None]:
    """What wrk sends for `case` to `server`: the URL, the headers, the PATCH's hashes file."""
    headers, hashes = dict(PROXY_HEADERS), None
    if case.method == "PATCH":
        hashes = size.folder / "patch_hashes.txt"
        headers["Content-Type"] = "application/json"
        headers["Authorization"] = f"Token {size.manifest['operator_token']}"
    return server.url("/" if hashes else case.path), headers, hashes


def bench_case(case, size: Size) -> Row:
    """One case: wrk against the service, pgbench on its captured SQL and on the naive SQL."""
    folder, manifest, cluster, seconds = size.folder, size.manifest, size.cluster, size.seconds
    connection, pgoptions = cluster.client_args(size.dbname), manifest["pgoptions"]
    url, headers, hashes = case_request(case, size, size.service)
    if size.warmup:
        wrk(url, size.warmup, headers, hashes)
    size.memory.reset()
    served = wrk(url, seconds, headers, hashes)
    case_rss_mb = size.memory.case_peak_kb / 1024
    scripts = [folder / name for name in manifest["scripts"][case.name]]
    floor = pgbench(cluster.bin_dir, connection, scripts, seconds, pgoptions)
    naive_tps = None
    naive_sql = case.naive_script(manifest["table"], manifest.get("soft_delete", False))
    if naive_sql:
        # The naive page runs under the server's default session settings; a count
        # baseline under the service's own, so only the SQL differs.
        naive_script = folder / f"naive-{case.name}.sql"
        naive_script.write_text(naive_sql)
        options = pgoptions if case.count is not None else ""
        naive_tps = pgbench(cluster.bin_dir, connection, [naive_script], seconds, options).tps
    return Row(
        table=size.table,
        rows=size.rows,
        case=case.name,
        served=served,
        floor_tps=floor.tps,
        floor_ms=floor.latency_ms,
        naive_tps=naive_tps,
        rss_mb=case_rss_mb,
    )


def bench_size(cluster, table: str, rows: int, seconds: int, warmup: int, pool: bool):
    """All cases on one table: the report's rows, the workers' peak RSS, (from
    REPEAT_MIN_ROWS rows on) the repeat table's rows and (with `pool`) the
    connections table's."""
    print(f"\n== {table}, {rows:,} rows", flush=True)
    dbname = f"bench_{table.replace('-', '_')}_{rows}"
    env = service_env(cluster.database_url(dbname))
    bench_cluster.ensure_data(cluster, dbname, table, rows, env)
    # The SQL of computing each answer: captured with the read cache off.
    folder, manifest = capture_sql(rows, dbname, {**env, "READ_CACHE_MB": "0"})
    for names in manifest["scripts"].values():
        psql_check(
            cluster.bin_dir, cluster.client_args(dbname), folder / names[0], manifest["pgoptions"]
        )
    size = Size(table, rows, dbname, seconds, warmup, cluster, folder, manifest)
    results, repeated, pooled = [], [], []
    # The cases measure computing each answer: this server runs without the read cache.
    off = {**env, "READ_CACHE_MB": "0"}
    with ProductionServer(off, log=OUT / f"gunicorn-{dbname}.log") as size.service:
        size.memory = WorkerMemory(size.service)
        size.memory.start()
        try:
            cases = {case.name: case for case in all_cases(rows)}
            for case in cases.values():
                results.append(bench_case(case, size))
                print("  " + " | ".join(results[-1].cells()), flush=True)
            floors = {row.case: row.floor_tps for row in results}
            if rows >= REPEAT_MIN_ROWS and set(PAGES) <= cases.keys():
                repeated = bench_repeat(size, env, cases, floors, OUT)
            if pool and {"default", "patch"} <= cases.keys():
                pooled = bench_pool(size, env, cases, case_request, OUT)
        finally:
            size.memory.stopped.set()
    return results, size.memory.peak_kb / 1024, repeated, pooled


def header(seconds: int, warmup: int, load_before: float) -> str:
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # The values gunicorn itself reads from config/gunicorn.py in this environment.
    config = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))
    threads = f" x {config['threads']} threads" if "threads" in config else ""
    server = f"{config['workers']} {config.get('worker_class', 'sync')} workers{threads}"
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}, "
        f"{os.cpu_count()} cores ({platform.machine()}), gunicorn {server}; PostgreSQL "
        + ", ".join(f"{k}={v}" for k, v in bench_cluster.SERVER_SETTINGS.items())
        + "; "
        f"wrk and pgbench at 8 connections / 2 threads, {seconds} s per run "
        f"(+{warmup} s wrk warm-up). Load average before the run: {load_before:.1f} "
        "(well above 0: other work shared the cores, expect noise).\n\n"
        "req/s counts responses below 400; p50/p99 are wrk's, over all responses; "
        "floor = the captured SQL of one request replayed by pgbench under the service's "
        "session settings (without its statement_timeout); floor ms = pgbench's average "
        "latency; naive = one COUNT(*) plus one SELECT * ... ORDER BY ... LIMIT/OFFSET "
        "(no tie-breaker) for the same page, under the server's defaults; for the facets "
        "cases, one COUNT(*) over the same rows under the service's settings (floor/naive "
        "above 0.67 is within the issue's 1.5x); "
        "n = responses below 400; errors = HTTP >= 400 or socket errors; "
        "worker RSS = highest VmRSS of a gunicorn worker during the case."
    )


def main() -> None:
    # SIGTERM (e.g. a killed make) unwinds like Ctrl-C: gunicorn and PostgreSQL get stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    require_wrk()
    sizes = [int(size) for size in os.environ.get("BENCH_ROWS", "10000,200000,1000000").split(",")]
    tables = os.environ.get("BENCH_TABLES", "g0,g2").split(",")
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    warmup = int(os.environ.get("BENCH_WARMUP", "2"))
    started, load_before = time.monotonic(), os.getloadavg()[0]
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Starting the benchmark's PostgreSQL in {bench_cluster.PGDATA.relative_to(ROOT)}")
    cluster = bench_cluster.start()
    results, peaks, repeated, pooled = [], [], [], []
    try:
        for table in tables:
            for rows in sizes:
                found = bench_size(cluster, table, rows, seconds, warmup, rows == min(sizes))
                results += found[0]
                peaks.append(f"{table}, {rows:,} rows: {found[1]:.0f} MB")
                repeated += found[2]
                pooled += found[3]
    finally:
        cluster.stop()
    parts = [
        header(seconds, warmup, load_before),
        markdown(results, COLUMNS),
        "Peak RSS of any gunicorn worker (VmHWM): " + "; ".join(peaks) + ".",
    ]
    if repeated:
        parts += [
            "Repeated reads (tests/bench/repeat.py): the same page again and again with the "
            "read cache on; `x floor` = req/s over the page's SQL floor above, `x health` = "
            "over /rear-diff/health's req/s on the same server (the fixed cost of a request); "
            "the cache-on server is warmed on fresh connections until every worker has its "
            "answer; `writer commits/s` is what the writer achieved.",
            markdown(repeated, REPEAT_COLUMNS),
        ]
    if pooled:
        parts += [
            "Connections (tests/bench/pool.py): the same requests through one persistent "
            "connection per thread and through psycopg's pool (DB_POOL=true), read cache off.",
            markdown(pooled, POOL_COLUMNS),
        ]
    report = "\n\n".join(parts)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"results-{stamp}.md").write_text(report + "\n")
    (OUT / "latest.md").write_text(report + "\n")
    print(f"\n{report}\n\nWritten to .local/bench/results-{stamp}.md and .local/bench/latest.md")
    print(f"Took {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("Interrupted: gunicorn and the benchmark's PostgreSQL were stopped.")
