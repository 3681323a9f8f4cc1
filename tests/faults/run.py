"""`make faults`: the production server under load while its database goes away.

Starts its own embedded PostgreSQL (config.embedded_postgres, data under
.local/faults-pgdata) with the production table and generated rows, runs the
production server (tests/support: gunicorn with config/gunicorn.py, DEBUG off)
on it as a configured database, then:

1. fault: wrk reads on loopback while the database is stopped for a while and
   started again; every answer is classified against the contract, and a
   poller measures how long after the database is back the first read succeeds;
2. load: the read mix at 16 connections, the RSS of every worker compared
   between the end of a warm-up and the end of the run;
3. writes: concurrent PATCHes on distinct rows and on the same rows under read
   load; afterwards every touched row must hold what its last audit record says.

Prints what it measured and exits 1 if a "must" fails (2 if wrk is missing).
Stops everything it started, also on errors and Ctrl-C.

Environment (seconds unless said): FAULTS_ROWS (10000), FAULTS_SECONDS (30, the
fault phase), FAULTS_DOWN_SECONDS (10), FAULTS_LEAD_SECONDS (5, load before the
stop), FAULTS_WARMUP_SECONDS (20), FAULTS_LOAD_SECONDS (60),
FAULTS_PATCH_SECONDS (15), FAULTS_CONNECT_TIMEOUT (2, DB_CONNECT_TIMEOUT),
FAULTS_WRK_TIMEOUT (5), GUNICORN_WORKERS / GUNICORN_THREADS as config/gunicorn.py
reads them. A quick run: FAULTS_SECONDS=12 FAULTS_DOWN_SECONDS=4
FAULTS_LOAD_SECONDS=10 FAULTS_WARMUP_SECONDS=3 FAULTS_PATCH_SECONDS=4 make faults
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from config.embedded_postgres import EmbeddedCluster
from tests.faults.load import load_phase
from tests.faults.options import (
    CONNECT_TIMEOUT,
    DATABASE,
    DOWN_SECONDS,
    FAULT_SECONDS,
    LEAD_SECONDS,
    LOAD_SECONDS,
    PATCH_SECONDS,
    ROWS,
)
from tests.faults.outage import outage_phase
from tests.faults.report import report, say
from tests.faults.writes import write_phase
from tests.support.server import ProductionServer, production_environment

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / ".local" / "faults-pgdata"
OUT = ROOT / ".local" / "faults"
SEED = 7
OPERATOR = "faults-operator"


def server_environment(cluster: EmbeddedCluster) -> dict:
    """The production settings (a deployment: DEBUG off) on the faults database.

    A configured database, not the embedded backend: the server must see the
    database go away, not start it again.
    """
    return production_environment(
        DATABASE_URL=cluster.database_url(DATABASE),
        # An empty rate turns a throttle off; the load would only meet 429s.
        THROTTLE_ANON_RATE="",
        THROTTLE_WRITE_RATE="",
        DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        # No worker recycling during the run: the memory check must see the
        # same processes, and a recycled worker closes wrk's keep-alive
        # connections (clients retry that; wrk counts it as an error).
        GUNICORN_MAX_REQUESTS=os.environ.get("GUNICORN_MAX_REQUESTS", "0"),
    )


def prepare(environment: dict) -> str:
    """Migrations, table and rows, an operator; returns the operator's token."""
    subprocess.run(
        [sys.executable, "-m", "tests.faults.prepare", str(ROWS), str(SEED)],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    media_operator = [sys.executable, "manage.py", "media_operator"]
    subprocess.run(
        [*media_operator, "create", OPERATOR],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    # Keys are shown only when issued: rotate prints a fresh one on every run.
    rotated = subprocess.run(
        [*media_operator, "rotate", OPERATOR],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return rotated.stdout.strip()


def run(cluster: EmbeddedCluster) -> bool:
    cluster.start()
    cluster.ensure_database(DATABASE)
    environment = server_environment(cluster)
    token = prepare(environment)
    with ProductionServer(environment, log=OUT / "gunicorn.log") as server:
        say(
            f"  gunicorn on {server.url()}, {len(server.workers())} workers "
            f"(log: {server.log.relative_to(ROOT)})"
        )
        outage = outage_phase(cluster, server)
        load = load_phase(server)
        writes = write_phase(cluster, server, token)
    return report(
        [
            ("fault phase (database stopped and started under wrk reads)", outage.lines()),
            (f"load phase ({LOAD_SECONDS:.0f} s of the read mix at 16 connections)", load.lines()),
            (
                f"write phase ({PATCH_SECONDS:.0f} s of concurrent PATCHes under reads)",
                writes.lines(),
            ),
        ]
    )


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    if not shutil.which("wrk"):
        say("wrk is missing: apt-get install wrk")
        return 2
    if FAULT_SECONDS < LEAD_SECONDS + DOWN_SECONDS + 2:
        say("FAULTS_SECONDS must exceed FAULTS_LEAD_SECONDS + FAULTS_DOWN_SECONDS by 2 s or more")
        return 2
    # Also when started in the background, where a shell makes SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    say(f"make faults: embedded PostgreSQL under {PGDATA.relative_to(ROOT)}")
    cluster = EmbeddedCluster(PGDATA)
    try:
        passed = run(cluster)
        say(f"(whole run: {time.monotonic() - started:.0f} s)")
        return 0 if passed else 1
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
