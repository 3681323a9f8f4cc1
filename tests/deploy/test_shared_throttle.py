"""Throttle counters across processes: per process by default, shared through Redis.

Two production servers of one worker each stand for two workers (or two
replicas): requests alternate between them, so which process answers is
certain, not left to how the kernel hands connections to a server's workers.
The Redis runs on 127.0.0.1:6379 (`CACHE_URL=redis://...`); without one
answering there, the Redis test is skipped, saying so.
"""

import uuid
from contextlib import ExitStack

import pytest
import redis
from django.urls import reverse

from tests.support.database import deployment_environment, server_environment
from tests.support.server import ProductionServer, run_python

REDIS = "redis://127.0.0.1:6379/0"
RATE = 3
LIST = reverse("media-list")


@pytest.fixture
def redis_cache_url():
    """A CACHE_URL on the local Redis with a key prefix of this test's own."""
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"no Redis answers on 127.0.0.1:6379 ({exc}); start one to run this test")
    prefix = f"rear-diff-test-{uuid.uuid4().hex}"
    yield f"{REDIS}?key_prefix={prefix}"
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    # The counters lived under the prefix: no other test shared them.
    assert keys, f"no key under {prefix}: the key prefix of CACHE_URL was not applied"


def statuses_alternating(cache_url, requests, log_dir):
    """Anonymous reads from one client, sent in turn to two one-worker servers."""
    environment = {
        "GUNICORN_WORKERS": "1",
        "THROTTLE_ANON_RATE": f"{RATE}/min",
        "CACHE_URL": cache_url,
    }
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
    statuses = statuses_alternating(redis_cache_url, 2 * RATE, tmp_path)

    assert statuses == [200] * RATE + [429] * RATE


def test_with_the_default_cache_each_worker_counts_alone(django_db_setup, tmp_path):
    """Why a deployment with several workers or replicas needs Redis: the limit multiplies."""
    statuses = statuses_alternating("locmemcache://", 2 * RATE + 2, tmp_path)

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
