"""Database connections: how many workers gunicorn starts, and the optional psycopg pool.

Each worker thread holds one connection (or each worker one pool), so the
default number of workers follows the CPUs the container may really use and
has a ceiling; the cgroup files are written in tmp_path as the kernel shows them.
"""

import json
import os
import subprocess

import pytest
from django.urls import reverse

from config.gunicorn import MAX_DEFAULT_WORKERS, available_cpus, cpu_quota, default_workers
from tests.support.database import server_environment
from tests.support.server import GUNICORN, ROOT, ProductionServer, refusal, run_python


def cgroup(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
    ],
    ids=["v2-limited", "v2-unlimited", "v1-limited", "v1-unlimited", "no-cgroup"],
)
def test_cpu_quota_is_read_from_cgroup_v2_then_v1(tmp_path, files, quota):
    assert cpu_quota(cgroup(tmp_path, files)) == quota


def test_available_cpus_is_the_quota_rounded_up_when_it_is_below_the_cpus_we_may_use(tmp_path):
    half_a_cpu = cgroup(tmp_path, {"cpu.max": "50000 100000\n"})

    assert available_cpus(half_a_cpu) == 1


def test_available_cpus_without_a_quota_is_the_affinity_mask(tmp_path):
    assert available_cpus(tmp_path) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("cpus", "workers"), [(1, 3), (2, 5), (3, 7), (4, 8), (32, 8)])
def test_default_workers_is_two_per_cpu_plus_one_up_to_the_ceiling(cpus, workers):
    assert MAX_DEFAULT_WORKERS == 8
    assert default_workers(cpus) == workers


def test_gunicorn_starts_workers_for_the_cpus_it_may_run_on_not_the_hosts_count():
    """The real gunicorn, allowed one CPU (as `taskset -c 0` or a container's cpuset)."""
    one_cpu = min(os.sched_getaffinity(0))
    environment = server_environment(GUNICORN_WORKERS=None)

    result = subprocess.run(
        [
            str(GUNICORN),
            "--config",
            "config/gunicorn.py",
            "--print-config",
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.sched_setaffinity(0, {one_cpu}),
    )

    assert result.returncode == 0, result.stderr
    assert "workers                            = 3" in result.stdout.splitlines()


# --- DB_POOL: psycopg's pool instead of persistent connections ---------------------

SHOW_POOL = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
pool = connection.pool
print(json.dumps({
    "pool": type(pool).__module__ + "." + type(pool).__name__,
    "min_size": pool.min_size, "max_size": pool.max_size, "timeout": pool.timeout,
    "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def test_db_pool_gives_each_process_a_psycopg_pool_sized_from_the_environment(django_db_setup):
    environment = server_environment(DB_POOL="true", DB_POOL_MAX_SIZE="3", DB_POOL_TIMEOUT="2")

    result = run_python(["-c", SHOW_POOL], environment)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "pool": "psycopg_pool.pool.ConnectionPool",
        "min_size": 1,
        "max_size": 3,
        "timeout": 2.0,
        "CONN_MAX_AGE": 0,
    }


def test_db_pool_defaults_to_one_connection_per_gunicorn_thread(django_db_setup):
    result = run_python(["-c", SHOW_POOL], server_environment(DB_POOL="true", GUNICORN_THREADS="6"))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["max_size"] == 6


def test_db_pool_with_persistent_connections_refuses_to_start_saying_why(django_db_setup):
    result = run_python(
        ["-c", "import django; django.setup()"],
        server_environment(DB_POOL="true", CONN_MAX_AGE="60"),
    )

    assert refusal(result) == (
        "DB_POOL=true replaces persistent connections: unset CONN_MAX_AGE or set it to 0."
    )


def test_gunicorn_serves_reads_through_the_pool(django_db_setup, tmp_path):
    environment = server_environment(DB_POOL="true")
    with ProductionServer(environment, log=tmp_path / "gunicorn.log") as server:
        ready = server.get(reverse("health-ready"))
        listed = server.get(f"{reverse('media-list')}?limit=1")

    assert ready[0] == 200, ready[2]
    assert listed[0] == 200, listed[2]
    assert json.loads(listed[2])["pagination"]["limit"] == 1
