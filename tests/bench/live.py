"""Live changes (GET /rear-diff/media/events): latency, idle streams, the API beside them.

    .venv/bin/python -m tests.bench.live   # make bench runs it last

On the benchmark's own database (tests/bench/cluster.py: the last generation
BENCH_TABLES names, at its smallest size), with the change log, served by the
production server:

- latency from commit to event: BENCH_LIVE_CLIENTS (100) clients listen while a
  writer commits BENCH_LIVE_COMMITS (1,000) single-row UPDATEs, one every
  20 ms; for each commit and client, the time from the commit's return to the
  arrival of the event naming its row (p50, p99, max);
- one worker holding BENCH_LIVE_IDLE (1,000) idle streams: its resident memory
  before and with them, and its CPU over 30 s of idleness (heartbeats included);
- the API's cached page (wrk, 8 connections) without streams and beside the idle
  streams, on the same server (2 workers).
"""

import asyncio
import os
import resource
import statistics
import threading
import time
from pathlib import Path

import psycopg
import psycopg.conninfo

from config.embedded_postgres import SUPERUSER
from tests.bench import cluster as bench_cluster
from tests.bench.change_log import install
from tests.bench.drivers import wrk
from tests.bench.service import PROXY_HEADERS
from tests.support.server import ProductionServer, status_kb

CLIENTS = int(os.environ.get("BENCH_LIVE_CLIENTS", "100"))
COMMITS = int(os.environ.get("BENCH_LIVE_COMMITS", "1000"))
IDLE = int(os.environ.get("BENCH_LIVE_IDLE", "1000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
COMMIT_EVERY = 0.02
IDLE_SECONDS = int(os.environ.get("BENCH_LIVE_IDLE_SECONDS", "30"))
EVENTS = "/rear-diff/media/events"
PAGE = "/rear-diff/media?limit=100"
REFUSED: list[str] = []  # status lines of streams the server did not open


async def listen(
    port: int, arrivals: dict | None, ready: asyncio.Event | None, stop: asyncio.Event
):
    """One EventSource-like client: record when each row's event arrives (if `arrivals`)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    headers = {"Host": "127.0.0.1", "Accept": "text/event-stream", **PROXY_HEADERS}
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"GET {EVENTS} HTTP/1.1\r\n{lines}\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        REFUSED.append(status.decode().strip())
        if ready is not None:
            ready.set()
        writer.close()
        return
    try:
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(reader.readline(), 0.5)
            except TimeoutError:
                continue
            if not line:
                return
            if line.startswith(b"id:") and ready is not None and not ready.is_set():
                ready.set()
            # Our server writes each event as one chunk: a data line is never split.
            if arrivals is not None and line.startswith(b"data: "):
                now = time.monotonic()
                for hash_value in line.split(b'"hashes":[', 1)[1].split(b"]", 1)[0].split(b","):
                    arrivals.setdefault(hash_value.strip(b'"').decode(), []).append(now)
    finally:
        writer.close()


def writer(dsn: str, hashes: list[str], committed: dict, done: threading.Event) -> None:
    """One UPDATE per commit, every COMMIT_EVERY seconds, on rows of its own."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for hash_value in hashes:
            started = time.monotonic()
            conn.execute(
                "UPDATE atp.media SET error_status = NOT error_status WHERE hash = %s",
                [hash_value],
            )
            committed[hash_value] = time.monotonic()
            time.sleep(max(0.0, COMMIT_EVERY - (time.monotonic() - started)))
    done.set()


async def latency(server: ProductionServer, dsn: str) -> list[float]:
    with psycopg.connect(dsn) as conn:
        hashes = [
            r[0]
            for r in conn.execute(
                # Rows the default stream shows: not soft-deleted (on a table that can be).
                f"SELECT hash FROM atp.media m WHERE to_jsonb(m)->>'deleted_at' IS NULL "
                f"LIMIT {COMMITS}"
            )
        ]
    arrivals: dict[str, list[float]] = {}
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(CLIENTS)]
    tasks = [asyncio.create_task(listen(server.port, arrivals, ready, stop)) for ready in readies]
    await asyncio.gather(*(ready.wait() for ready in readies))
    committed: dict[str, float] = {}
    done = threading.Event()
    thread = threading.Thread(target=writer, args=(dsn, hashes, committed, done))
    thread.start()
    while not done.is_set():
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*tasks)
    samples, missing = [], 0
    for hash_value, at in committed.items():
        seen = arrivals.get(hash_value, [])
        missing += CLIENTS - len(seen)
        samples += [arrival - at for arrival in seen]
    print(f"  events missing: {missing} of {len(committed) * CLIENTS}", flush=True)
    return samples


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def hold(port: int, n: int, stop: asyncio.Event) -> list[asyncio.Task]:
    readies = [asyncio.Event() for _ in range(n)]
    tasks = [asyncio.create_task(listen(port, None, ready, stop)) for ready in readies]
    await asyncio.gather(*(ready.wait() for ready in readies))
    return tasks


async def idle(env: dict) -> None:
    with ProductionServer({**env, "GUNICORN_WORKERS": "1"}) as server:
        (worker,) = server.workers()
        before = status_kb(worker)
        stop = asyncio.Event()
        tasks = await hold(server.port, IDLE, stop)
        await asyncio.sleep(2)
        with_streams = status_kb(worker)
        cpu = cpu_seconds(worker)
        await asyncio.sleep(IDLE_SECONDS)
        share = (cpu_seconds(worker) - cpu) / IDLE_SECONDS
        refused = len(REFUSED)
        stop.set()
        await asyncio.gather(*tasks)
    print(
        f"one worker, {IDLE} idle streams: RSS {before / 1024:.1f} MB -> "
        f"{with_streams / 1024:.1f} MB (+{(with_streams - before) / 1024:.1f} MB); "
        f"CPU over {IDLE_SECONDS} s idle: {share:.2%} of a core; streams refused: {refused}",
        flush=True,
    )


async def beside(env: dict) -> None:
    with ProductionServer({**env, "GUNICORN_WORKERS": "2"}) as server:
        url = server.url(PAGE)
        wrk(url, 2, PROXY_HEADERS)  # fills the cache
        rounds = {"without streams": [], f"beside {IDLE} idle streams": []}
        for _ in range(2):
            rounds["without streams"].append(wrk(url, SECONDS, PROXY_HEADERS).rps)
            stop = asyncio.Event()
            tasks = await hold(server.port, IDLE, stop)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, wrk, url, SECONDS, PROXY_HEADERS)
            rounds[f"beside {IDLE} idle streams"].append(result.rps)
            stop.set()
            await asyncio.gather(*tasks)
    for name, figures in rounds.items():
        shown = ", ".join(f"{f:.0f}" for f in figures)
        print(f"the cached page, {name}: {statistics.mean(figures):.0f} req/s ({shown})")


def main() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))  # servers inherit it
    with bench_cluster.one_database(min) as (table, rows, env):
        install(env)
        cluster = bench_cluster.start()  # the running cluster one_database started
        dbname = env["DATABASE_URL"].rsplit("/", 1)[1]
        dsn = psycopg.conninfo.make_conninfo(
            host=cluster.host, port=cluster.port, user=SUPERUSER, dbname=dbname
        )
        print(f"== live changes on {table}, {rows:,} rows", flush=True)
        with ProductionServer(env) as server:
            samples = asyncio.run(latency(server, dsn))
        ms = sorted(s * 1000 for s in samples)
        p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
        print(
            f"commit to event, {COMMITS} commits (one per {COMMIT_EVERY * 1000:.0f} ms), "
            f"{CLIENTS} clients: p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, max {ms[-1]:.0f} ms "
            f"({len(ms):,} samples)",
            flush=True,
        )
        asyncio.run(idle(env))
        asyncio.run(beside(env))
        print(f"streams the server refused, in all: {len(REFUSED)} {sorted(set(REFUSED))}")


if __name__ == "__main__":
    main()
