"""gunicorn settings for the production image (Dockerfile) and the tests that start it.

Read from the same place as the settings (config.env: the process environment,
then the optional `.env`). gunicorn puts its working directory on sys.path
before it loads this file, so `config` imports as a package.
https://docs.gunicorn.org/en/stable/settings.html
"""

import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from config.env import BASE_DIR, env

# Each worker thread holds one database connection, so the default number of
# workers is bounded: at most 8 workers x 2 threads = 16 connections per
# replica, well under PostgreSQL's default max_connections of 100.
MAX_DEFAULT_WORKERS = 8
CGROUP = Path("/sys/fs/cgroup")


def cpu_quota(cgroup: Path = CGROUP) -> float | None:
    """CPUs the container's CFS quota allows (cgroup v2, then v1); None when unlimited.

    os.cpu_count() is the host's count: a container limited to 1 CPU on a
    32-core host would otherwise start 65 workers. Inside a container the
    cgroup mounted at /sys/fs/cgroup is the container's own.
    """
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()  # v2: "max 100000"
    except (OSError, ValueError):
        try:  # v1
            quota = (cgroup / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (cgroup / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    if quota in {"max", "-1"} or int(period) <= 0:
        return None
    return int(quota) / int(period)


def available_cpus(cgroup: Path = CGROUP) -> int:
    """CPUs this process may use: its affinity mask, bounded by the cgroup quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroup)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(cpus, 1)


def default_workers(cpus: int) -> int:
    """gunicorn's own starting point, (2 x CPUs) + 1, up to MAX_DEFAULT_WORKERS."""
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


bind = env.str("GUNICORN_BIND", default="0.0.0.0:8000")
# uvicorn workers serving config.asgi: a live stream (GET /rear-diff/media/events)
# waits on the worker's event loop, holding no thread; every other request runs
# in a pool of GUNICORN_THREADS threads per worker (config/asgi.py says why, with
# its figures). Slow clients and keep-alive connections wait in the event loop.
workers = env.int("GUNICORN_WORKERS", default=default_workers(available_cpus()))
worker_class = "config.workers.Worker"
# The size of each worker's pool for the requests other than the live streams
# (config/asgi.py reads it; gunicorn only shows it).
threads = env.int("GUNICORN_THREADS", default=2)
# A request (including reading a slow client's body) gets this long; the
# database's statement_timeout is shorter, so queries end first.
timeout = env.int("GUNICORN_TIMEOUT", default=30)
graceful_timeout = 10
keepalive = 5
# The request line's bound is the worker's (config/workers.py: 8190 bytes, a JSON
# 414 beyond), not gunicorn's limit_request_line, which its own workers read.
# Workers are not recycled by default: a new worker starts with an empty read
# cache, and recycling every 5,000 requests halved a worker's throughput on a
# varied read mix (docs/performance.md) while its memory stayed flat without it.
# `make faults` guards the memory; GUNICORN_MAX_REQUESTS > 0 recycles anyway.
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=0)
max_requests_jitter = 500
# The application logs one line per request (media.api.middleware), with its id.
accesslog = None
errorlog = "-"
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1")
# Since gunicorn 25.1 a control socket lives at one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl), so two servers
# on one machine (tests, benchmark, a container's read-only home) would clash.
control_socket_disable = True


made_metrics_folders: list[str] = []


def on_starting(server):
    """Before any worker serves: MIGRATE_ON_START's migration, then the metrics' folder."""
    migrate_on_start(server)
    share_metrics(server)


def share_metrics(server):
    """METRICS_TOKEN set: every worker writes its metrics to files in one folder.

    prometheus-client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR must be in the
    environment before a worker imports it (workers fork from this process, which
    never does), and hold nothing of an earlier run. Unset, a folder is made for
    this server and removed when it stops.
    https://prometheus.github.io/client_python/multiprocess/
    """
    if not env.str("METRICS_TOKEN", default=""):
        return
    folder = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    else:
        folder = tempfile.mkdtemp(prefix="rear-diff-metrics-")
        made_metrics_folders.append(folder)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    server.log.info("Metrics: each worker writes to %s", folder)


def child_exit(server, worker):
    """A worker's gauges leave the sum when it exits (its counters stay counted)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics' folder this server made."""
    for folder in made_metrics_folders:
        shutil.rmtree(folder, ignore_errors=True)


def migrate_on_start(server):
    """MIGRATE_ON_START=true: migrate before any worker serves.

    manage.py migrate_locked takes a PostgreSQL advisory lock first, so
    replicas that start at once migrate one after the other. It runs in its own
    process: the master never imports Django or holds a connection its
    workers would inherit. A failed migration stops the server.
    """
    if not env.bool("MIGRATE_ON_START", default=False):
        return
    server.log.info("MIGRATE_ON_START: manage.py migrate_locked")
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate_locked", "--no-input"], cwd=BASE_DIR, check=False
    )
    if migrated.returncode != 0:
        # gunicorn reports a RuntimeError from a hook as one line and exits 1.
        raise RuntimeError(f"MIGRATE_ON_START: migrate_locked exited {migrated.returncode}")
