"""Throttle counters across processes: shared by the machine's workers by default, by
every replica through Redis, per process only with an explicit locmem cache.

Two production servers of one worker each stand for two workers (or two
replicas): requests alternate between them, so which process answers is
certain, not left to how the kernel hands connections to a server's workers.
Two servers that name one CACHE_DIR are two workers of one machine (gunicorn's
workers share the folder the same way). The Redis runs on 127.0.0.1:6379
(`CACHE_URL=redis://...`); without one answering there, the Redis test is
skipped, saying so.
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from django.urls import reverse

from tests.support.database import LOCAL_REDIS, deployment_environment, server_environment
from tests.support.server import ProductionServer, run_python

RATE = 3
LIST = reverse("media-list")


def statuses_alternating(cache, requests, log_dir):
    """Anonymous reads from one client, sent in turn to two one-worker servers.

    cache: the servers' CACHE_URL or CACHE_DIR, as {name: value}.
    """
    environment = {"GUNICORN_WORKERS": "1", "THROTTLE_ANON_RATE": f"{RATE}/min", **cache}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                ProductionServer(server_environment(**environment), log=log_dir / f"gunicorn-{i}")
            )
            for i in range(2)
        ]
        return [servers[i % 2].get(LIST)[0] for i in range(requests)]


def test_two_gunicorn_workers_with_redis_share_one_anonymous_limit(
    django_db_setup, redis_cache_url, tmp_path
):
    statuses = statuses_alternating({"CACHE_URL": redis_cache_url}, 2 * RATE, tmp_path)

    assert statuses == [200] * RATE + [429] * RATE


def test_two_gunicorn_workers_without_redis_share_one_anonymous_limit(django_db_setup, tmp_path):
    statuses = statuses_alternating({"CACHE_DIR": str(tmp_path / "cache")}, 2 * RATE, tmp_path)

    assert statuses == [200] * RATE + [429] * RATE


def test_the_workers_of_one_server_let_exactly_the_rate_through_at_once(django_db_setup, tmp_path):
    """Concurrent requests on new connections, spread over two workers: each counter
    update is atomic, so not one request over the rate gets through."""
    environment = server_environment(GUNICORN_WORKERS="2", THROTTLE_ANON_RATE=f"{RATE}/min")
    with (
        ProductionServer(environment, log=tmp_path / "gunicorn") as server,
        ThreadPoolExecutor(4 * RATE) as pool,
    ):
        statuses = list(pool.map(lambda _: server.get(LIST)[0], range(4 * RATE)))

    assert sorted(statuses) == [200] * RATE + [429] * (3 * RATE)


def test_with_a_locmem_cache_each_worker_counts_alone(django_db_setup, tmp_path):
    """What CACHE_URL=locmemcache:// gives: the limit multiplies by the processes."""
    statuses = statuses_alternating({"CACHE_URL": "locmemcache://"}, 2 * RATE + 2, tmp_path)

    assert statuses == [200] * (2 * RATE) + [429, 429]


@pytest.mark.parametrize(
    ("cache_url", "key_prefix"),
    [("redis://127.0.0.1:6379/0?key_prefix=rear-diff", "rear-diff"), ("redis://r:6379/0", "")],
    ids=["with-prefix", "without"],
)
def test_a_key_prefix_in_cache_url_reaches_djangos_cache(cache_url, key_prefix):
    """Several services may share one Redis, each under its own prefix."""
    show = (
        "import django; django.setup(); "
        "from django.core.cache import cache; print(cache.key_prefix)"
    )

    result = run_python(["-c", show], deployment_environment(CACHE_URL=cache_url))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key_prefix


@pytest.mark.parametrize(
    ("cache", "backend", "shared"),
    [
        ({}, "diskcache_community.DjangoCache", False),
        ({"CACHE_URL": LOCAL_REDIS}, "django.core.cache.backends.redis.RedisCache", True),
    ],
    ids=["default", "redis"],
)
def test_the_read_cache_is_shared_through_redis_only(cache, backend, shared):
    """The default cache's files hold throttle counters, not the read cache's pages."""
    show = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.READ_CACHE_SHARED)"
    )

    result = run_python(["-c", show], deployment_environment(**cache))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [backend, str(shared)]
