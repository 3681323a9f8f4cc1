"""The pipeline migrates atp.media while the production server serves it: no request fails.

A database of its own at G1 (Flyway 23) with rows, gunicorn on it, readers
asking list, item and filtered pages all along, and the pipeline's own steps
applied in between: soft delete (v24), an enum label (v25), the metadata moved
to atp.training with its columns dropped (v28), then a column nobody told the
service about (a G3). After each step the test waits for the service to serve
the new layout; the figures are printed (pytest -s).
"""

import json
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.urls import reverse

from media.demo.ddl import SQL_DIR
from tests.support.api import item_path
from tests.support.database import connect, scratch_database, server_environment
from tests.support.server import ProductionServer, run_python

ROWS = 400
READERS = 3
CHECK_SECONDS = 1  # MEDIA_LAYOUT_CHECK_SECONDS of the server under test
SERVED_WITHIN = 20  # seconds the test waits for a layout before it fails
LIST = reverse("media-list")
READS = [
    f"{LIST}?limit=50",
    f"{LIST}?limit=20&sort_by=updated_at&sort_order=asc&pipeline_status=complete",
    f"{LIST}?limit=5&offset=6000",
    f"{LIST}?media_title=storm",
]


@dataclass
class Readers:
    """Threads that read until stopped; every answer that is not a 200 is kept."""

    server: ProductionServer
    hashes: list[str]
    requests: int = 0
    failures: list = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, index: int) -> None:
        paths = [*READS, *(item_path(h) for h in self.hashes)]
        turn = index
        while not self.stop.is_set():
            path = paths[turn % len(paths)]
            turn += 1
            status, _, body = self.server.get(path, timeout=30)
            self.requests += 1
            if status != 200:
                self.failures.append((path, status, body[:300]))


def wait_for(server, condition, what):
    """Seconds until `condition(table description)` holds; fails after SERVED_WITHIN."""
    started = time.monotonic()
    while time.monotonic() - started < SERVED_WITHIN:
        status, _, body = server.get(reverse("media-table"))
        if status == 200 and condition(json.loads(body)):
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"the service did not serve {what} within {SERVED_WITHIN} s")


def sql(name):
    return (SQL_DIR / name).read_text()


STEPS = [
    ("v24: deleted_at and trigger 5", sql("v024_soft_delete.sql"), lambda t: t["soft_delete"]),
    (
        "v25: media_type label tv_episode_pack",
        sql("v025_tv_episode_pack.sql"),
        lambda t: "tv_episode_pack" in t["enums"]["media_type"],
    ),
    (
        "v28: metadata moved to atp.training, 19 columns dropped",
        sql("v028_training.sql"),
        lambda t: {"key": "genre", "source": "training", "column": "genre"} in t["keys"],
    ),
    (
        "G3: a column added at the end",
        "ALTER TABLE media ADD COLUMN subtitle_language varchar(10)",
        lambda t: t["unserved_columns"] == ["subtitle_language"],
    ),
]


@pytest.fixture
def live_database(django_db_setup, django_db_blocker):
    with scratch_database("live", generation="g1-v23") as name:
        environment = server_environment(PGSQL_NAME=name)
        made = run_python(
            ["manage.py", "media_generate", "--rows", str(ROWS), "--allow-external"], environment
        )
        assert made.returncode == 0, made.stderr
        yield name, environment


def test_migrations_while_clients_read_fail_no_request_and_are_served_within_seconds(
    live_database, tmp_path
):
    name, environment = live_database
    environment.update(MEDIA_LAYOUT_CHECK_SECONDS=str(CHECK_SECONDS), THROTTLE_ANON_RATE="")
    with connect(name) as pipeline, ProductionServer(environment, log=tmp_path / "log") as server:
        hashes = [
            row[0]
            for row in pipeline.execute(
                f'SELECT hash FROM "{settings.MEDIA_SCHEMA}".media ORDER BY hash LIMIT 20'
            )
        ]
        readers = Readers(server, hashes)
        threads = [threading.Thread(target=readers.run, args=(i,)) for i in range(READERS)]
        for thread in threads:
            thread.start()
        served = []
        try:
            time.sleep(1)
            pipeline.execute(f'SET search_path TO "{settings.MEDIA_SCHEMA}"')
            for what, statements, condition in STEPS:
                with pipeline.transaction():
                    pipeline.execute(statements)
                served.append((what, wait_for(server, condition, what), readers.requests))
                time.sleep(0.5)
        finally:
            readers.stop.set()
            for thread in threads:
                thread.join(timeout=60)

    print(f"\n{readers.requests} requests by {READERS} readers, {len(readers.failures)} failed")
    for what, seconds, requests in served:
        print(f"  {what}: served {seconds:.2f} s after its commit (request {requests})")
    assert readers.failures == []
    assert readers.requests > 100
