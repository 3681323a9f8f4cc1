"""The metrics under gunicorn: one scrape adds up what every worker counted.

prometheus-client's multiprocess mode (config/gunicorn.py): each worker writes
its own file in PROMETHEUS_MULTIPROC_DIR, and the worker that answers a scrape
reads them all. Here the files are read one by one too, to see that each of
the two workers counted some of the requests.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.multiprocess import MultiProcessCollector

from tests.support.database import server_environment
from tests.support.metrics import Samples
from tests.support.server import ProductionServer

TOKEN = "workers-test-metrics-token"
REQUESTS = "rear_diff_http_request_duration_seconds_count"
BATCH = 20


def health_requests(files) -> float:
    """The GET /rear-diff/health requests these metric files count."""
    return sum(
        sample.value
        for metric in MultiProcessCollector.merge([str(f) for f in files if f.exists()])
        for sample in metric.samples
        if sample.name == REQUESTS and sample.labels["route"] == "health"
    )


def test_one_scrape_adds_up_the_requests_of_every_worker(django_db_setup, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    stale = folder / "counter_999999.db"  # an earlier run's, which the server must not add
    stale.write_bytes(b"not a metrics file")
    environment = server_environment(
        METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(folder), THROTTLE_ANON_RATE=""
    )
    with ProductionServer(environment, log=tmp_path / "gunicorn.log") as server:
        workers = server.workers()
        per_worker, sent = {}, 0
        # New connections from several threads at once, until both workers have served some.
        with ThreadPoolExecutor(8) as pool:
            while sent < 20 * BATCH and not all(per_worker.get(pid) for pid in workers):
                answers = pool.map(
                    lambda _: server.get("/rear-diff/health", headers={"Connection": "close"}),
                    range(BATCH),
                )
                assert [status for status, _, _ in answers] == [200] * BATCH
                sent += BATCH
                per_worker = {
                    pid: health_requests([folder / f"histogram_{pid}.db"]) for pid in workers
                }
        status, _, body = server.get(
            "/rear-diff/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )

    assert status == 200
    assert not stale.exists()
    assert len(workers) == 2 and all(per_worker.values()), per_worker
    scraped = Samples.parse(body.decode()).value(REQUESTS, method="GET", route="health", status=200)
    assert scraped == sum(per_worker.values()) == sent


def test_without_a_folder_named_the_server_makes_one_and_removes_it_when_it_stops(
    django_db_setup, tmp_path
):
    log = tmp_path / "gunicorn.log"
    environment = server_environment(METRICS_TOKEN=TOKEN, GUNICORN_WORKERS="1")
    with ProductionServer(environment, log=log) as server:
        status, _, _ = server.get(
            "/rear-diff/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        (line,) = [line for line in log.read_text().splitlines() if "Metrics:" in line]
        folder = Path(line.rsplit(" ", 1)[1])
        made = folder.is_dir()

    assert status == 200 and made
    assert not folder.exists()
