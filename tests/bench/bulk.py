"""One 1,000-row bulk request on the benchmark's table: its time and its SQL statements.

    .venv/bin/python -m tests.bench.bulk    # G2, 1,000,000 rows; make bench runs it after run.py

BENCH_TABLES and BENCH_ROWS, as make bench reads them, pick the table: the last
generation named and the largest size.

On the benchmark's own PostgreSQL and database (tests/bench/cluster.py, made
if missing), through django.test.Client with the production settings, as an
operator: POST /rear-diff/media/bulk with 1,000 hashes, as a dry run and for
real, five times each. Every request runs inside a transaction that is then
rolled back, so the benchmark's data and history stay as they were; the
figures leave out only that final COMMIT.
"""

import statistics
import subprocess
import sys
import time

from tests.bench import cluster as bench_cluster

ROOT = bench_cluster.ROOT
ROUNDS = 5
ROWS_PER_BATCH = 1000


def measure() -> None:
    """Inside Django (the service's environment): the requests and what they cost."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from media.layout import current_layout
    from media.models import Media
    from tests.bench.capture import prepare_service

    token = prepare_service()
    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Token {token}"})
    rows = Media.objects.visible(layout=current_layout()).exclude(rejection_status="override")
    hashes = list(rows.order_by("hash").values_list("hash", flat=True)[:ROWS_PER_BATCH])
    for dry_run in (True, False):
        body = {"action": "override", "hashes": hashes, "dry_run": dry_run}
        seconds, statements = [], set()
        for _ in range(ROUNDS):
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.post(
                    "/rear-diff/media/bulk", body, content_type="application/json", secure=True
                )
                seconds.append(time.perf_counter() - started)
                transaction.set_rollback(True)
            assert response.status_code == 200, response.content[:500]
            assert response.json()["count"] == len(hashes)
            statements.add(len(queries))
        kind = "dry run" if dry_run else "write  "
        for query in queries:
            print(f"    {' '.join(query['sql'].split()[:6])[:90]}")
        print(
            f"{kind}: {len(hashes):,} rows, median {statistics.median(seconds) * 1000:.0f} ms "
            f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f}) over {ROUNDS} "
            f"requests; SQL statements per request: {sorted(statements)}",
            flush=True,
        )


def main() -> None:
    with bench_cluster.one_database(max) as (table, rows, env):
        print(f"== bulk on {table}, {rows:,} rows", flush=True)
        subprocess.run(
            [sys.executable, "-m", "tests.bench.bulk", "measure"], cwd=ROOT, env=env, check=True
        )


if __name__ == "__main__":
    measure() if sys.argv[1:] == ["measure"] else main()
