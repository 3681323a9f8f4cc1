"""What the metrics cost on the read cache's hit path: one server with METRICS_TOKEN, one without.

    .venv/bin/python -m tests.bench.metrics_cost    # make bench runs it after the cache's memory

Two production servers (gunicorn, config/gunicorn.py) on the benchmark's smallest
database (tests/bench/cluster.py, made if missing), the read cache on and the
throttles off, one with the metrics on (every request timed, its database time
measured, the cache's hits counted into PROMETHEUS_MULTIPROC_DIR's files) and
one without. wrk asks each in turn for the same page, a cache hit after the
first request, at 8 connections; the order alternates from round to round so
drift in the machine weighs on both. Prints each run and the medians of the
throughput and of the workers' CPU time per request (from /proc: what the
metrics add to each request, less disturbed by wrk sharing the machine).

Environment: BENCH_METRICS_ROUNDS (5), BENCH_SECONDS (10 per run), BENCH_WORKERS (1: with
2, how wrk's connections fall on the workers moves the figures more than the metrics do).
"""

import os
import statistics
from pathlib import Path

from tests.bench import cluster as bench_cluster
from tests.bench.cluster import ROOT
from tests.bench.drivers import CONNECTIONS, require_wrk, wrk
from tests.bench.service import PROXY_HEADERS
from tests.support.metrics import Samples
from tests.support.server import ProductionServer

LOGS = ROOT / ".local" / "bench"
PAGE = "/rear-diff/media?limit=100"
TOKEN = "bench-only-metrics-token"
ROUNDS = int(os.environ.get("BENCH_METRICS_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = os.environ.get("BENCH_WORKERS", "1")


def hits(server: ProductionServer) -> float:
    """The read cache's hits the metrics counted, over every worker."""
    headers = {**PROXY_HEADERS, "Authorization": f"Bearer {TOKEN}"}
    status, _, body = server.get("/rear-diff/metrics", headers=headers)
    assert status == 200, body[:300]
    return Samples.parse(body.decode()).value("rear_diff_read_cache_hits_total")


def cpu_seconds(server: ProductionServer) -> float:
    """The CPU time (user and system) the server's workers have used so far: proc(5) stat."""
    ticks = 0
    for pid in server.workers():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    require_wrk()
    with bench_cluster.one_database(min) as (table, rows, env):
        # No worker recycling: a new worker's start would weigh on one run, not the other.
        env = {**env, "READ_CACHE_MB": "64", "GUNICORN_WORKERS": WORKERS}
        env["GUNICORN_MAX_REQUESTS"] = "0"
        print(
            f"== metrics on the hit path: {table}, {rows:,} rows, GET {PAGE}, "
            f"{WORKERS} worker(s), wrk {CONNECTIONS} connections, {ROUNDS} x {SECONDS} s each"
        )
        with (
            ProductionServer(env, log=LOGS / "gunicorn-metrics-off.log") as off,
            ProductionServer(
                {**env, "METRICS_TOKEN": TOKEN}, log=LOGS / "gunicorn-metrics-on.log"
            ) as on,
        ):
            servers = {"off": off, "on": on}
            for server in servers.values():  # every worker's first answer is a miss
                wrk(server.url(PAGE), 2, {**PROXY_HEADERS, "Connection": "close"})
            hits_before = hits(on)
            rps, cpu_ms = {"off": [], "on": []}, {"off": [], "on": []}
            served = 0
            for round_ in range(ROUNDS):
                order = ("off", "on") if round_ % 2 == 0 else ("on", "off")
                for mode in order:
                    cpu_before = cpu_seconds(servers[mode])
                    result = wrk(servers[mode].url(PAGE), SECONDS, PROXY_HEADERS)
                    cpu = cpu_seconds(servers[mode]) - cpu_before
                    assert result.errors == 0, result
                    rps[mode].append(result.rps)
                    cpu_ms[mode].append(1000 * cpu / result.ok)
                    served += result.ok if mode == "on" else 0
                    print(
                        f"  round {round_ + 1} metrics {mode:>3}: {result.rps:8.1f} req/s, "
                        f"p50 {result.p50_ms:.3f} ms, {cpu_ms[mode][-1]:.3f} CPU ms/request",
                        flush=True,
                    )
            counted = hits(on) - hits_before
    off_rps, on_rps = statistics.median(rps["off"]), statistics.median(rps["on"])
    off_cpu, on_cpu = statistics.median(cpu_ms["off"]), statistics.median(cpu_ms["on"])
    print(
        f"medians: metrics off {off_rps:.1f} req/s, {off_cpu:.3f} CPU ms/request; on "
        f"{on_rps:.1f} req/s ({on_rps / off_rps - 1:+.1%}), {on_cpu:.3f} CPU ms/request "
        f"({on_cpu / off_cpu - 1:+.1%}). The metrics counted {counted:,.0f} cache hits; "
        f"wrk saw {served:,} answers."
    )


if __name__ == "__main__":
    main()
