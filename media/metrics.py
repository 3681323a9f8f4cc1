"""What the service counts, as Prometheus metrics (served by media.api.monitoring).

Each gunicorn worker writes its figures to files in PROMETHEUS_MULTIPROC_DIR
(config/gunicorn.py sets it before any worker starts) and a scrape adds every
worker's up, those of workers gone since included; without it (runserver, the
tests, a shell) they live in the process. Labels take few values: a route is
its URL's name, never the path.
https://prometheus.github.io/client_python/multiprocess/
"""

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

# A read-cache hit takes about a millisecond; a 1,000-row page on a cold table, seconds.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUEST_SECONDS = Histogram(
    "rear_diff_http_request_duration_seconds",
    "Time to answer a request (its _count: the requests), by method, route and status.",
    ["method", "route", "status"],
    buckets=REQUEST_BUCKETS,
)
# A sum, not a histogram: one write per request on the hit path instead of two. Divided
# by the requests' count it is the database time per request; the latency histogram
# shows the slow requests.
DATABASE_SECONDS = Counter(
    "rear_diff_http_request_database_seconds",
    "Time requests spent in database queries, by route.",
    ["route"],
)
READ_CACHE_HITS = Counter("rear_diff_read_cache_hits", "Reads answered from the read cache.")
READ_CACHE_MISSES = Counter(
    "rear_diff_read_cache_misses",
    "Cacheable reads computed: not stored, or stored under a snapshot since gone.",
)
READ_CACHE_EVICTIONS = Counter(
    "rear_diff_read_cache_evictions", "Answers the read cache dropped to stay within READ_CACHE_MB."
)
READ_CACHE_BYTES = Gauge(
    "rear_diff_read_cache_bytes",
    "Bytes the read caches of the live processes hold.",
    multiprocess_mode="livesum",
)
LAYOUT_CHANGES = Counter(
    "rear_diff_layout_changes",
    "Times a process found the media table's layout changed and served the new one "
    "(once per worker for each migration).",
)
THROTTLED = Counter(
    "rear_diff_throttled_requests", "Requests refused with 429, by throttle scope.", ["scope"]
)


def registry():
    """What a scrape reads: every worker's files, or this process's own metrics."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    collected = CollectorRegistry()
    MultiProcessCollector(collected)
    return collected
