"""GET /rear-diff/metrics: Prometheus' format, for the holder of METRICS_TOKEN only, and what a
request and a throttled one add to it. The read cache's counters are in
tests/media/test_read_cache.py; the workers of gunicorn adding up, in
tests/deploy/test_metrics_workers.py. The test settings set a METRICS_TOKEN.
"""

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from media.operators import token_issue
from tests.spec import SAMPLE_HASH
from tests.support.api import item_path, token_client
from tests.support.metrics import Samples, bearer, scrape

METRICS = reverse("metrics")
REQUESTS = "rear_diff_http_request_duration_seconds_count"
DATABASE = "rear_diff_http_request_database_seconds"


@pytest.mark.parametrize("accept", [None, "text/plain"])
def test_the_token_holder_reads_the_metrics_in_prometheus_text_format(api_client, accept):
    response = api_client.get(
        METRICS, headers={**bearer(), **({"Accept": accept} if accept else {})}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = {name for name, _ in Samples.parse(response.content.decode())}
    assert {
        "rear_diff_http_request_duration_seconds_bucket",
        "rear_diff_read_cache_hits_total",
        "rear_diff_read_cache_misses_total",
        "rear_diff_read_cache_evictions_total",
        "rear_diff_read_cache_bytes",
        "rear_diff_layout_changes_total",
    } <= families


def test_a_scraper_that_asks_for_openmetrics_gets_it(api_client):
    response = api_client.get(
        METRICS, headers={**bearer(), "Accept": "application/openmetrics-text; version=1.0.0"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.endswith(b"# EOF\n")


@pytest.mark.parametrize(
    ("headers", "details"),
    [
        ({}, "Authentication credentials were not provided."),
        (bearer("not-the-token"), "Invalid token."),
        ({"Authorization": "Basic bWV0cmljczp4"}, "Authentication credentials were not provided."),
    ],
    ids=["none", "wrong-token", "another-scheme"],
)
def test_without_the_token_the_metrics_answer_401_with_a_bearer_challenge(
    api_client, headers, details
):
    response = api_client.get(METRICS, headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.json() == {"error": "Authentication required", "details": details}


def test_an_operators_api_token_does_not_open_the_metrics(operator):
    client = token_client(token_issue(username=operator.username))

    assert client.get(METRICS).status_code == 401


def test_without_metrics_token_the_endpoint_is_not_served(api_client, settings):
    settings.METRICS_TOKEN = ""

    response = api_client.get(METRICS, headers=bearer("anything"))

    assert response.status_code == 404
    assert response.json() == {"error": "Not found", "details": f"No endpoint at {METRICS}"}


def test_a_request_counts_under_its_route_name_method_and_status_not_its_path(
    api_client, sample_media
):
    before = scrape(api_client)

    api_client.get(item_path(SAMPLE_HASH))
    api_client.get(item_path("0" * 40))
    api_client.get("/rear-diff/no/such/path")
    after = scrape(api_client)

    def added(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert added(REQUESTS, method="GET", route="media-detail", status=200) == 1
    assert added(REQUESTS, method="GET", route="media-detail", status=404) == 1
    assert added(REQUESTS, method="GET", route="unmatched", status=404) == 1
    # The database time of both item reads: their queries took some.
    assert added(f"{DATABASE}_total", route="media-detail") > 0
    assert not any(SAMPLE_HASH in str(labels) for _, labels in after)


def test_a_method_no_route_knows_is_counted_as_other(api_client, db):
    before = scrape(api_client)

    api_client.generic("BREW", "/rear-diff/health")
    after = scrape(api_client)

    labels = {"method": "other", "route": "health", "status": 405}
    assert after.value(REQUESTS, **labels) - before.value(REQUESTS, **labels) == 1


def test_each_throttled_request_is_counted_by_its_scope(api_client, db, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/min")
    before = scrape(api_client)

    statuses = [api_client.get(item_path("0" * 40)).status_code for _ in range(3)]
    after = scrape(api_client)

    assert statuses == [404, 429, 429]
    name = "rear_diff_throttled_requests_total"
    assert after.value(name, scope="anon") - before.value(name, scope="anon") == 2
