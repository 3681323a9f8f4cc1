"""The benchmark's own embedded PostgreSQL: one database per table size.

A cluster of config.embedded_postgres under .local/bench-pgdata, so the dev
database is never touched. A database is reused while its row count and the
files its data was made from are unchanged.
"""

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from config.embedded_postgres import EmbeddedCluster
from tests.bench.service import service_env

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / ".local" / "bench-pgdata"
SEED = 7
BATCH = 50_000  # rows per COPY in media_generate; progress counts finished COPYs
# Data made from other versions of these files is made again.
SOURCES = ["media/demo/sql", "media/demo/ddl.py", "media/demo/generate.py"]

# Sized like a production server for this machine rather than initdb's defaults
# (128 MB): the 1,000,000-row table (~550 MB) fits in shared_buffers, so the
# figures measure the queries' work, not reads through the OS page cache.
SERVER_SETTINGS = {"shared_buffers": "1GB"}


def start() -> EmbeddedCluster:
    cluster = EmbeddedCluster(PGDATA).start()
    with cluster.connect() as admin:
        changed = False
        for name, value in SERVER_SETTINGS.items():
            if admin.execute(f"SHOW {name}").fetchone()[0] != value:
                admin.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                changed = True
    if changed:  # shared_buffers takes effect at a restart
        cluster.stop()
        cluster.start()
    return cluster


def _fingerprint(generation: str, rows: int) -> str:
    digest = hashlib.sha256(f"{generation}:{rows}:{SEED}".encode())
    for source in SOURCES:
        path = ROOT / source
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return f"rear-diff bench {digest.hexdigest()[:16]}"


def _ensure_database(cluster: EmbeddedCluster, dbname: str) -> str | None:
    """Create `dbname` when missing; return the fingerprint its data carries, if any."""
    with cluster.connect() as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [dbname],
        ).fetchone()
        if row is None:
            admin.execute(f'CREATE DATABASE "{dbname}"')
            return None
    return row[0]


def _row_count(cluster: EmbeddedCluster, dbname: str) -> int | None:
    with cluster.connect(dbname) as conn:
        if conn.execute("SELECT to_regclass('atp.media')").fetchone()[0] is None:
            return None
        return conn.execute("SELECT count(*) FROM atp.media").fetchone()[0]


def _print_progress(
    cluster: EmbeddedCluster, dbname: str, rows: int, stop: threading.Event
) -> None:
    """Poll pg_stat_progress_copy: finished COPYs of BATCH rows plus the current one."""
    finished, last, started, shown = 0, 0, time.monotonic(), time.monotonic()
    with cluster.connect() as conn:
        while not stop.wait(0.5):
            row = conn.execute(
                "SELECT tuples_processed FROM pg_stat_progress_copy WHERE datname = %s", [dbname]
            ).fetchone()
            current = row[0] if row else 0
            if current < last:
                finished += BATCH
            last = current
            if time.monotonic() - shown >= 5:
                shown = time.monotonic()
                done = min(rows, finished + current)
                print(f"    {done:>9,} / {rows:,} rows ({shown - started:.0f} s)", flush=True)


def ensure_data(
    cluster: EmbeddedCluster, dbname: str, generation: str, rows: int, env: dict
) -> None:
    """Make `dbname` hold the table of `generation` with `rows` generated rows (env: its URL)."""
    expected = _fingerprint(generation, rows)
    if _ensure_database(cluster, dbname) == expected and _row_count(cluster, dbname) == rows:
        print(f"  {dbname}: reusing {rows:,} rows")
        return
    print(f"  {dbname}: creating the {generation} table and generating {rows:,} rows (seed {SEED})")
    started = time.monotonic()
    stop = threading.Event()
    progress = threading.Thread(
        target=_print_progress, args=(cluster, dbname, rows, stop), daemon=True
    )
    progress.start()
    try:
        command = [sys.executable, "-m", "tests.bench.load", generation]
        command += [str(rows), str(SEED), str(BATCH)]
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    finally:
        stop.set()
        progress.join()
    print(f"  {dbname}: loaded in {time.monotonic() - started:.0f} s; VACUUM ANALYZE")
    with cluster.connect(dbname) as conn:
        conn.execute("VACUUM ANALYZE atp.media")
        if conn.execute("SELECT to_regclass('atp.training')").fetchone()[0]:
            conn.execute("VACUUM ANALYZE atp.training")
        conn.execute(f"COMMENT ON DATABASE \"{dbname}\" IS '{expected}'")


@contextmanager
def one_database(pick_rows: Callable[[Iterable[int]], int]) -> Iterator[tuple[str, int, dict]]:
    """The database of a single measurement, made if missing: the last generation that
    BENCH_TABLES names, at the size `pick_rows` (min or max) takes from BENCH_ROWS, with
    run.py's defaults. Yields the generation, the rows and the service's environment."""
    table = os.environ.get("BENCH_TABLES", "g0,g2").split(",")[-1]
    sizes = os.environ.get("BENCH_ROWS", "10000,200000,1000000").split(",")
    rows = pick_rows(int(size) for size in sizes)
    cluster = start()
    try:
        dbname = f"bench_{table.replace('-', '_')}_{rows}"
        env = service_env(cluster.database_url(dbname))
        ensure_data(cluster, dbname, table, rows, env)
        yield table, rows, env
    finally:
        cluster.stop()
