"""The cold pages: the list's cases computed every time, against the earlier service.

    .venv/bin/python -m tests.bench.cold    # make bench runs it after run.py

As issue 20 compared the service with the FastAPI service it replaces: G0 and
G2 with 200,000 rows (the benchmark's own databases, made if missing), read
cache off, 2 gunicorn workers, throttles off, wrk at 8 connections. Prints
req/s per case, and for the case the issue measured on the earlier service,
the ratio to it (the goal: 1.5 or more). BENCH_SECONDS and BENCH_WARMUP as
for run.py; BENCH_COLD_ROWS the size (200000); of BENCH_TABLES, g0 and g2.
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.bench import cluster as bench_cluster
from tests.bench.cases import all_cases
from tests.bench.drivers import WrkResult, require_wrk, wrk
from tests.bench.service import PROXY_HEADERS, service_env
from tests.bench.table import markdown
from tests.support.server import ProductionServer

OUT = bench_cluster.ROOT / ".local" / "bench"
CASES = ("default", "filtered", "deep_offset", "limit_1000", "title_search")
# The earlier service's req/s as issue 20 measured it (G0, 200,000 rows, same conditions);
# for the other cases it says only that this service was then 1.5-1.8x faster.
EARLIER = {("g0", "limit_1000"): 13.5}
COLUMNS = ["table", "rows", "case", "req/s", "p50 ms", "p99 ms", "earlier req/s", "x earlier"]


@dataclass(kw_only=True)
class Row:
    table: str
    rows: int
    case: str
    served: WrkResult

    def cells(self) -> list[str]:
        earlier = EARLIER.get((self.table, self.case))
        return [
            self.table,
            f"{self.rows:,}",
            self.case,
            f"{self.served.rps:.1f}",
            f"{self.served.p50_ms:.1f}",
            f"{self.served.p99_ms:.1f}",
            f"{earlier}" if earlier else "-",
            f"{self.served.rps / earlier:.2f}" if earlier else "-",
        ]


def bench_table(cluster, table: str, rows: int, seconds: int, warmup: int) -> list[Row]:
    dbname = f"bench_{table.replace('-', '_')}_{rows}"
    environment = service_env(cluster.database_url(dbname))
    bench_cluster.ensure_data(cluster, dbname, table, rows, environment)
    environment.update(READ_CACHE_MB="0", GUNICORN_WORKERS="2")
    cases = {case.name: case for case in all_cases(rows) if case.name in CASES}
    results = []
    with ProductionServer(environment, log=OUT / f"gunicorn-cold-{dbname}.log") as server:
        for case in cases.values():
            url = server.url(case.path)
            if warmup:
                wrk(url, warmup, PROXY_HEADERS)
            results.append(
                Row(table=table, rows=rows, case=case.name, served=wrk(url, seconds, PROXY_HEADERS))
            )
            print("  " + " | ".join(results[-1].cells()), flush=True)
    return results


def main() -> None:
    require_wrk()
    rows = int(os.environ.get("BENCH_COLD_ROWS", "200000"))
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    warmup = int(os.environ.get("BENCH_WARMUP", "2"))
    OUT.mkdir(parents=True, exist_ok=True)
    cluster = bench_cluster.start()
    results = []
    try:
        for table in [t for t in ("g0", "g2") if t in os.environ.get("BENCH_TABLES", "g0,g2")]:
            print(f"\n== cold pages: {table}, {rows:,} rows, cache off, 2 workers", flush=True)
            results += bench_table(cluster, table, rows, seconds, warmup)
    finally:
        cluster.stop()
    report = (
        "Cold pages (tests/bench/cold.py): read cache off, 2 gunicorn workers, throttles off, "
        f"wrk at 8 connections for {seconds} s per case; `earlier req/s` is the FastAPI "
        "service this one replaces, as issue 20 measured it.\n\n" + markdown(results, COLUMNS)
    )
    (OUT / "cold.md").write_text(report + "\n")
    print(f"\n{report}\n\nWritten to {Path(OUT / 'cold.md').relative_to(bench_cluster.ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("Interrupted: gunicorn and the benchmark's PostgreSQL were stopped.")
