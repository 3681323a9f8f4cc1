"""What the change log costs the pipeline's writers, and how big it stays.

    .venv/bin/python -m tests.bench.change_log   # make bench runs it after run.py

On the benchmark's own PostgreSQL and database (tests/bench/cluster.py: the last
generation BENCH_TABLES names, at the smallest size from 200,000 rows on), with
the log installed as migrate_locked installs it:

- the pipeline's single-row UPDATE under pgbench (8 clients, BENCH_SECONDS each),
  with the log's triggers disabled, firing, and firing with CHANGE_LOG_IMAGE_ROWS=0
  (no rows logged), in turns (ROUNDS of each);
- one 10,000-row UPDATE, timed ROUNDS times each way, a VACUUM before each;
- the log's row count while a writer commits 10 statements a second and the
  service's pruning runs every CHANGE_LOG_PRUNE_SECONDS, for BENCH_LOG_SECONDS
  (default 150; the steady state is reached after CHANGE_LOG_KEEP_SECONDS).

Both UPDATEs run with the server's default synchronous_commit, as the pipeline
does.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.bench import cluster as bench_cluster
from tests.bench.drivers import pgbench

ROOT = bench_cluster.ROOT
ROUNDS = 3
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
LOG_SECONDS = int(os.environ.get("BENCH_LOG_SECONDS", "150"))
STATEMENTS_PER_SECOND = 10
TRIGGERS = ("insert", "update", "delete", "truncate")
# The rows by number (public.bench_keys, made once), so pgbench picks one at random.
ONE_ROW = """\\set n random(1, {rows})
UPDATE atp.media SET rejection_status = CASE WHEN rejection_status = 'accepted'
  THEN 'rejected'::atp.rejection_status ELSE 'accepted' END
WHERE hash = (SELECT hash FROM public.bench_keys WHERE n = :n);
"""
MANY_ROWS = (
    "UPDATE atp.media SET error_status = NOT error_status "
    "WHERE hash IN (SELECT hash FROM atp.media ORDER BY hash LIMIT 10000 OFFSET {offset})"
)


def install(env: dict) -> None:
    """The service's tables and the log, as a deployment's migrate_locked makes them."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate_locked", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def firing(sql, on: bool) -> None:
    """Enable or disable the log's triggers on atp.media (the benchmark is the table's owner)."""
    verb = "ENABLE" if on else "DISABLE"
    actions = ", ".join(f"{verb} TRIGGER rear_diff_change_log_{name}" for name in TRIGGERS)
    sql.execute(f"ALTER TABLE atp.media {actions}")


MODES = ("off", "on", "on, no images")


def images(env: dict, rows: int) -> None:
    """Write CHANGE_LOG_IMAGE_ROWS into the trigger function, as install does."""
    subprocess.run(
        [sys.executable, "manage.py", "media_change_log", "install"],
        cwd=ROOT,
        env={**env, "CHANGE_LOG_IMAGE_ROWS": str(rows)},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def single_row_tps(cluster, dbname: str, script: Path, env: dict) -> dict[str, list[float]]:
    tps = {mode: [] for mode in MODES}
    with cluster.connect(dbname) as sql:
        sql.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_keys AS "
            "SELECT row_number() OVER (ORDER BY hash) AS n, hash FROM atp.media"
        )
        sql.execute("CREATE UNIQUE INDEX IF NOT EXISTS bench_keys_n ON public.bench_keys (n)")
        rows = sql.execute("SELECT count(*) FROM public.bench_keys").fetchone()[0]
        script.write_text(ONE_ROW.format(rows=rows))
        for _ in range(ROUNDS):
            for mode in MODES:
                images(env, 0 if mode == "on, no images" else 1000)
                firing(sql, mode != "off")
                result = pgbench(cluster.bin_dir, cluster.client_args(dbname), [script], SECONDS)
                tps[mode].append(result.tps)
        firing(sql, True)
        images(env, 1000)
    return tps


def many_rows_ms(cluster, dbname: str) -> dict[str, list[float]]:
    took = {"off": [], "on": []}
    with cluster.connect(dbname) as sql:
        for turn in range(ROUNDS):
            for mode in ("off", "on"):
                firing(sql, mode == "on")
                sql.execute("VACUUM atp.media")
                started = time.perf_counter()
                sql.execute(MANY_ROWS.format(offset=turn * 10_000))
                took[mode].append((time.perf_counter() - started) * 1000)
        firing(sql, True)
    return took


def log_size(cluster, dbname: str, env: dict) -> list[tuple[int, int]]:
    """(seconds, log rows) each 30 s while a writer commits STATEMENTS_PER_SECOND."""
    stop, sizes = threading.Event(), []

    def write():
        with cluster.connect(dbname) as sql:
            hashes = [h for (h,) in sql.execute("SELECT hash FROM atp.media LIMIT 1000")]
            n = 0
            while not stop.wait(1 / STATEMENTS_PER_SECOND):
                n += 1
                sql.execute(
                    "UPDATE atp.media SET uploader = uploader WHERE hash = %s",
                    [hashes[n % len(hashes)]],
                )

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    started = time.monotonic()
    prune = [sys.executable, "-m", "tests.bench.change_log", "prune"]
    try:
        with cluster.connect(dbname) as sql:
            while (elapsed := time.monotonic() - started) < LOG_SECONDS:
                # What each process of the service does every CHANGE_LOG_PRUNE_SECONDS.
                subprocess.run(prune, cwd=ROOT, env=env, check=True)
                rows = sql.execute("SELECT count(*) FROM rear_diff.change_log").fetchone()[0]
                if not sizes or elapsed - sizes[-1][0] >= 30:
                    sizes.append((round(elapsed), rows))
                    print(f"    {elapsed:5.0f} s: {rows} log rows", flush=True)
                time.sleep(float(env.get("CHANGE_LOG_PRUNE_SECONDS", "10")))
    finally:
        stop.set()
        writer.join()
    return sizes


def report(name: str, figures: dict[str, list[float]], unit: str, higher_is_better: bool):
    off = statistics.median(figures["off"])
    print(f"{name}: without the log {off:,.1f} {unit} {_all(figures['off'])}", flush=True)
    for mode in [mode for mode in figures if mode != "off"]:
        value = statistics.median(figures[mode])
        ratio = value / off
        verdict = f"{ratio:.0%} of without" if higher_is_better else f"{ratio:.2f}x without"
        print(f"  with it ({mode}) {value:,.1f} {unit} {_all(figures[mode])}: {verdict}")


def _all(values: list[float]) -> str:
    return "(" + ", ".join(f"{value:,.1f}" for value in values) + ")"


def from_200_000(sizes) -> int:
    sizes = list(sizes)
    return min([size for size in sizes if size >= 200_000] or sizes)


def main() -> None:
    with bench_cluster.one_database(from_200_000) as (table, rows, env):
        dbname = env["DATABASE_URL"].rsplit("/", 1)[1]
        print(f"== the change log's cost to writers on {table}, {rows:,} rows", flush=True)
        install(env)
        cluster = bench_cluster.start()  # the running cluster one_database started
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "one_row.sql"
            report(
                f"single-row UPDATE, pgbench 8 clients, {SECONDS} s x {ROUNDS}",
                single_row_tps(cluster, dbname, script, env),
                "TPS",
                higher_is_better=True,
            )
        report(
            f"10,000-row UPDATE x {ROUNDS}",
            many_rows_ms(cluster, dbname),
            "ms",
            higher_is_better=False,
        )
        print(
            f"the log's size, a writer at {STATEMENTS_PER_SECOND} statements/s, pruned as the "
            "service prunes:",
            flush=True,
        )
        log_size(cluster, dbname, env)


def prune_once() -> None:
    """Inside Django: one prune, as a process of the service runs it."""
    import django

    django.setup()
    from media.change_log import prune

    prune()


if __name__ == "__main__":
    prune_once() if sys.argv[1:] == ["prune"] else main()
