"""The read cache's memory: a process filled past READ_CACHE_MB, against one without it.

    .venv/bin/python -m tests.bench.cache_memory    # make bench runs it last

Two processes with the production settings on the benchmark's smallest database
(tests/bench/cluster.py, made if missing) each ask the list for the same
distinct pages (offsets 0, 1, 2 ..., 100 rows each), twice as many as 64 MB
holds, through django.test.Client; one with READ_CACHE_MB=64, one with 0. The
difference of their resident memory is what the cache costs, to compare with
its limit (the issue: within READ_CACHE_MB plus 10%). A server's workers fill
the same way, but through HTTP at the speed of each page's SQL, so a 1,000,000
row table would need hours to fill 64 MB; the pages here are cheap.
"""

import os
import subprocess
import sys

from tests.bench import cluster as bench_cluster
from tests.support.server import status_kb

ROOT = bench_cluster.ROOT
CACHE_MB = 64
PAGE_ROWS = 100


def measure() -> None:
    """Inside Django: fill the cache (or not) and print the process's resident memory."""
    import django

    django.setup()
    from django.test import Client

    from media.read_cache import read_cache

    client = Client(HTTP_HOST="127.0.0.1")
    cache = read_cache()
    limit = CACHE_MB * 1024 * 1024
    pages = int(os.environ["BENCH_FILL_PAGES"])
    for offset in range(pages):
        response = client.get(
            "/rear-diff/media", {"limit": PAGE_ROWS, "offset": offset}, secure=True
        )
        assert response.status_code == 200, response.content[:300]
    stats = cache.stats()
    print(
        f"BENCH_CACHE pages={pages} rss_kb={status_kb(os.getpid(), 'VmRSS')} "
        f"held_bytes={stats['bytes']} entries={stats['entries']} limit_bytes={limit}",
        flush=True,
    )


def run_measure(env: dict, cache_mb: int, pages: int) -> dict:
    """One measuring process: its figures."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.bench.cache_memory", "measure"],
        cwd=ROOT,
        env={**env, "READ_CACHE_MB": str(cache_mb), "BENCH_FILL_PAGES": str(pages)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in run.stdout.splitlines() if line.startswith("BENCH_CACHE "))
    return {key: int(value) for key, value in (item.split("=") for item in line.split()[1:])}


def fill_pages(env: dict) -> int:
    """Distinct pages enough to pass the limit twice: from one page's rendered size."""
    probe = run_measure(env, CACHE_MB, 20)
    return int(2 * probe["limit_bytes"] / (probe["held_bytes"] / probe["entries"]))


def main() -> None:
    with bench_cluster.one_database(min) as (table, rows, env):
        pages = min(fill_pages(env), rows)
        print(f"== read cache memory on {table}, {rows:,} rows: {pages:,} distinct pages")
        off, on = (run_measure(env, cache_mb, pages) for cache_mb in (0, CACHE_MB))
    off_mb, on_mb = off["rss_kb"] / 1024, on["rss_kb"] / 1024
    print(
        f"cache off: {off_mb:.0f} MB resident; cache on ({CACHE_MB} MB): {on_mb:.0f} MB, "
        f"holding {on['held_bytes'] / 2**20:.1f} MB in {on['entries']} answers after "
        f"{pages} distinct pages; the cache costs {on_mb - off_mb:.0f} MB "
        f"({(on_mb - off_mb) / CACHE_MB:.0%} of READ_CACHE_MB)."
    )


if __name__ == "__main__":
    measure() if sys.argv[1:] == ["measure"] else main()
