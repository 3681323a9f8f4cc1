"""`make faults`: the production server under load while its database goes away (issue 5).

Starts its own embedded PostgreSQL (pgserver, data under .local/faults-pgdata)
with the production table and generated rows, runs gunicorn as the Dockerfile
does (config/gunicorn.py, DEBUG off), then:

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

import contextlib
import ctypes
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / ".local" / "faults-pgdata"
OUT = ROOT / ".local" / "faults"
LUA = Path(__file__).resolve().parent / "classify.lua"
DATABASE = "rear_diff_faults"
SEED = 7
OPERATOR = "faults-operator"
STATUSES = ["unfiltered", "accepted", "rejected", "override"]
PR_SET_PDEATHSIG = 1
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
AUDIT = "rear_diff.media_rejectionstatuschange"

# The read mix of the load phase: default page, filtered sort, the largest
# page, a title search.
READ_MIX = [
    "/rear-diff/media",
    "/rear-diff/media?media_type=movie&pipeline_status=complete&sort_by=release_year&sort_order=asc",
    "/rear-diff/media?limit=1000",
    "/rear-diff/media?media_title=night",
]
# The fault phase adds readiness, whose 503 is part of the contract.
FAULT_MIX = ["/rear-diff/media?limit=10", READ_MIX[1], "/rear-diff/health/ready"]


def setting(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


ROWS = int(setting("FAULTS_ROWS", 10_000))
FAULT_SECONDS = setting("FAULTS_SECONDS", 30)
DOWN_SECONDS = setting("FAULTS_DOWN_SECONDS", 10)
LEAD_SECONDS = setting("FAULTS_LEAD_SECONDS", 5)
WARMUP_SECONDS = setting("FAULTS_WARMUP_SECONDS", 20)
LOAD_SECONDS = setting("FAULTS_LOAD_SECONDS", 60)
PATCH_SECONDS = setting("FAULTS_PATCH_SECONDS", 15)
CONNECT_TIMEOUT = int(setting("FAULTS_CONNECT_TIMEOUT", 2))
WRK_TIMEOUT = int(setting("FAULTS_WRK_TIMEOUT", 5))
RECOVERY_LIMIT = 30.0  # seconds the poller waits for a success after the database is back
RSS_TOLERANCE = 0.10


def say(text: str = "") -> None:
    print(text, flush=True)


def _die_with_parent() -> None:
    # A SIGKILLed run leaves no gunicorn or wrk behind (prctl(2) PR_SET_PDEATHSIG).
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the database --------------------------------------------------------------


class Cluster:
    """The faults cluster: pgserver starts it first, pg_ctl stops and starts it after.

    pgserver runs postgres as the `pgserver` system user when we are root, so
    pg_ctl runs as that user too.
    """

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
            import pgserver
            from pgserver._commands import pg_ctl

        self._pg_ctl = pg_ctl
        PGDATA.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: this script stops the server itself (after a restart
        # pgserver's handle would point at a postmaster that no longer exists).
        server = pgserver.get_server(PGDATA, cleanup_mode=None)
        info = server.get_postmaster_info()
        self.system_user = server.system_user
        self.socket_dir = str(info.socket_dir)
        self.port = info.port or 5432
        self.running = True

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=self.socket_dir, port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def ensure_database(self) -> None:
        with self.connect() as admin:
            if not admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone():
                admin.execute(f'CREATE DATABASE "{DATABASE}"')

    def stop(self) -> None:
        """Fast shutdown: sessions are cut, as when a database server goes away."""
        self._pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=self.system_user)
        self.running = False

    def start(self) -> None:
        self.running = True  # perhaps, from here on: shutdown() then tries to stop it
        # As pgserver starts it: unix socket only, in the same folder as before.
        options = ["-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(PGDATA / "log")]
        self._pg_ctl(
            ["-w", *options, "start"],
            pgdata=PGDATA,
            user=self.system_user,
            timeout=60,
        )

    def shutdown(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self.stop()


def server_environment(cluster: Cluster, port: int) -> dict:
    """The production settings (a deployment: DEBUG off) on the faults database."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PGSQL_HOST": cluster.socket_dir,
            "PGSQL_PORT": str(cluster.port),
            "PGSQL_USER": "postgres",
            "PGSQL_PASSWORD": "",
            "PGSQL_NAME": DATABASE,
            "DEBUG": "false",
            "SECRET_KEY": "faults-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no TLS proxy in front.
            "SECURE_SSL_REDIRECT": "false",
            # An empty rate turns a throttle off; the load would only meet 429s.
            "THROTTLE_ANON_RATE": "",
            "THROTTLE_WRITE_RATE": "",
            "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            # No worker recycling during the run: the memory check must see the
            # same processes, and a recycled worker closes wrk's keep-alive
            # connections (clients retry that; wrk counts it as an error).
            "GUNICORN_MAX_REQUESTS": os.environ.get("GUNICORN_MAX_REQUESTS", "0"),
        }
    )
    return environment


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


# --- the server --------------------------------------------------------------------


class Gunicorn:
    """`gunicorn --config config/gunicorn.py config.wsgi`, as the Dockerfile's CMD."""

    def __init__(self, environment: dict, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [GUNICORN, "--config", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            if get(self.url("/rear-diff/health/ready"))[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout} s; see {self.log}")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(pid) for pid in path.read_text().split())
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def get(url: str, timeout: float = 5) -> tuple[int | None, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return None, b""


# --- wrk ---------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int = 0
    ok: int = 0
    db_errors: int = 0
    not_ready: int = 0
    query_timeouts: int = 0
    other: int = 0
    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0
    p50_us: int = 0
    p99_us: int = 0
    max_us: int = 0
    duration_us: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def socket_errors(self) -> int:
        return self.connect + self.read + self.write

    @property
    def non_contract(self) -> int:
        """Answers outside the contract, and connections that got no answer at all."""
        return self.other + self.socket_errors


class Wrk:
    """One wrk run in the background: `wait()` returns its classified counts."""

    def __init__(
        self,
        base_url: str,
        paths: list[str],
        seconds: float,
        connections: int,
        new_connections: bool = False,
    ):
        # new_connections: each request on a new connection (Connection: close).
        # A keep-alive connection stays with the worker that accepted it, and
        # one worker can accept most of them; new connections spread the load
        # over every worker.
        headers = ["--header", "Connection: close"] if new_connections else []
        command = [
            "wrk",
            *headers,
            "--threads",
            str(min(2, connections)),
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            f"{WRK_TIMEOUT}s",
            "--script",
            str(LUA),
            base_url,
            "--",
            *paths,
        ]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_die_with_parent,
        )

    def wait(self) -> WrkResult:
        output, _ = self.process.communicate()
        result = WrkResult()
        for line in output.splitlines():
            if line.startswith("FAULTS_SAMPLE "):
                result.samples.append(line.removeprefix("FAULTS_SAMPLE "))
            elif line.startswith("FAULTS_WRK "):
                for pair in line.split()[1:]:
                    name, value = pair.split("=")
                    setattr(result, name, int(value))
        if not output or "FAULTS_WRK" not in output:
            raise RuntimeError(f"wrk printed no summary:\n{output}")
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# --- phase 1: the database goes away and comes back ----------------------------------


@dataclass
class Poll:
    sent: float
    done: float
    status: int | None
    contract: bool


class Poller(threading.Thread):
    """GET /rear-diff/media?limit=1 every 50 ms, each on a new connection."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.polls: list[Poll] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            sent = time.monotonic()
            status, body = get(self.url, timeout=WRK_TIMEOUT)
            contract = status == 200 or (
                status == 500 and b'"error":"Database error occurred"' in body
            )
            self.polls.append(Poll(sent, time.monotonic(), status, contract))
            self.stopped.wait(0.05)


@dataclass
class FaultResult:
    wrk: WrkResult
    recovery_seconds: float | None
    slowest_down_seconds: float
    poller_requests: int
    poller_non_contract: int
    ready_after: int | None


def fault_phase(cluster: Cluster, server: Gunicorn) -> FaultResult:
    say(
        f"\n[1/3] fault: wrk {FAULT_SECONDS:.0f} s at 8 connections; the database stops "
        f"after {LEAD_SECONDS:.0f} s for {DOWN_SECONDS:.0f} s"
    )
    wrk = Wrk(server.url(""), FAULT_MIX, FAULT_SECONDS, connections=8)
    poller = Poller(server.url("/rear-diff/media?limit=1"))
    try:
        time.sleep(LEAD_SECONDS)
        poller.start()
        stopped = time.monotonic()
        cluster.stop()
        say(f"  database stopped ({time.monotonic() - stopped:.1f} s to shut down)")
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped)))
        cluster.start()
        up = time.monotonic()
        say(f"  database started again after {up - stopped:.1f} s")
        deadline = up + RECOVERY_LIMIT
        while time.monotonic() < deadline and not any(
            poll.status == 200 and poll.done >= up for poll in poller.polls
        ):
            time.sleep(0.02)
        poller.stopped.set()
        poller.join()
        result = wrk.wait()
    finally:
        poller.stopped.set()
        wrk.stop()
    successes = [poll.done - up for poll in poller.polls if poll.status == 200 and poll.done >= up]
    down = [p.done - p.sent for p in poller.polls if p.sent >= stopped and p.done < up]
    ready_status, _ = get(server.url("/rear-diff/health/ready"))
    return FaultResult(
        wrk=result,
        recovery_seconds=min(successes) if successes else None,
        slowest_down_seconds=max(down, default=0.0),
        poller_requests=len(poller.polls),
        poller_non_contract=sum(not poll.contract for poll in poller.polls),
        ready_after=ready_status,
    )


# --- phase 2: sustained load, stable memory ----------------------------------------------


@dataclass
class Worker:
    rss_kb: int
    cpu_ticks: int


@dataclass
class LoadResult:
    wrk: WrkResult
    after_warmup: dict[int, Worker]
    at_end: dict[int, Worker]

    @property
    def errors(self) -> int:
        wrk = self.wrk
        return wrk.requests - wrk.ok + wrk.socket_errors + wrk.timeout

    def rows(self) -> list[tuple[int, Worker, Worker | None, bool]]:
        rows = []
        for pid, before in sorted(self.after_warmup.items()):
            after = self.at_end.get(pid)
            stable = (
                after is not None
                and abs(after.rss_kb - before.rss_kb) <= RSS_TOLERANCE * before.rss_kb
            )
            rows.append((pid, before, after, stable))
        return rows

    @property
    def new_workers(self) -> set[int]:
        return set(self.at_end) - set(self.after_warmup)


def sample_workers(server: Gunicorn) -> dict[int, Worker]:
    workers = {}
    for pid in server.workers():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        # utime and stime: fields 14 and 15, counted after the ")" that ends the name.
        fields = stat[stat.rindex(")") + 2 :].split()
        rss = rss_kb(pid)
        if rss is not None:
            workers[pid] = Worker(rss, int(fields[11]) + int(fields[12]))
    return workers


def load_phase(server: Gunicorn) -> LoadResult:
    """Warm every worker up to its working size, then 60 s of the read mix; RSS before and after.

    A worker's RSS grows with the most limit=1000 pages it has serialized at
    once (up to GUNICORN_THREADS) and takes a minute or more of the mix alone
    to settle. So the warm-up first sends only such pages at workers x threads
    connections, then the mix, which gives back what the mix does not keep.
    RSS is sampled idle, after wrk has stopped: a page in flight is tens of MB.
    """
    slots = len(server.workers()) * int(os.environ.get("GUNICORN_THREADS", "4"))
    say(
        f"\n[2/3] load: warm-up {WARMUP_SECONDS / 2:.0f} s of limit=1000 at {slots} connections "
        f"and {WARMUP_SECONDS / 2:.0f} s of the read mix, then {LOAD_SECONDS:.0f} s of the read "
        "mix at 16 connections"
    )
    Wrk(server.url(""), [READ_MIX[2]], WARMUP_SECONDS / 2, slots, new_connections=True).wait()
    Wrk(server.url(""), READ_MIX, WARMUP_SECONDS / 2, 16, new_connections=True).wait()
    time.sleep(1)  # the requests wrk left in flight finish
    after_warmup = sample_workers(server)
    result = Wrk(server.url(""), READ_MIX, LOAD_SECONDS, 16, new_connections=True).wait()
    time.sleep(1)
    return LoadResult(result, after_warmup, sample_workers(server))


# --- phase 3: concurrent writes under read load --------------------------------------------


@dataclass
class Patches:
    statuses: dict[int | None, int] = field(default_factory=dict)
    last_sent: dict[str, str] = field(default_factory=dict)  # distinct rows: the owner's last 200
    mismatched_bodies: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int | None) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status is None or status >= 500)


def patch_worker(
    server: Gunicorn,
    token: str,
    run_id: str,
    rows: list[str],
    distinct: bool,
    deadline: float,
    seed: int,
    result: Patches,
) -> None:
    """PATCH `rows` until the deadline on one keep-alive connection."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WRK_TIMEOUT)
    sent = 0
    try:
        while time.monotonic() < deadline:
            row = rows[sent % len(rows)] if distinct else rng.choice(rows)
            status_value = rng.choice(STATUSES)
            sent += 1
            body = json.dumps({"hash": row, "rejection_status": status_value})
            headers = {
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "X-Request-ID": f"{run_id}-{seed}-{sent}",
            }
            try:
                connection.request(
                    "PATCH", f"/rear-diff/media/{row}/rejection-status", body, headers
                )
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                status = None
            result.record(status)
            if status == 200:
                stored = json.loads(answer)["data"]["rejection_status"]
                with result.lock:
                    if stored != status_value:
                        result.mismatched_bodies += 1
                    if distinct:
                        result.last_sent[row] = status_value
    finally:
        connection.close()


@dataclass
class WriteResult:
    patches: Patches
    reads: WrkResult
    touched: int
    audit_records: int
    state_mismatches: list[str]
    owner_mismatches: list[str]
    broken_chains: list[str]

    @property
    def ok(self) -> bool:
        p = self.patches
        return (
            p.server_errors == 0
            and p.statuses.get(200, 0) == p.sent
            and p.mismatched_bodies == 0
            and self.audit_records == p.statuses.get(200, 0)
            and not self.state_mismatches
            and not self.owner_mismatches
            and not self.broken_chains
            and self.reads.requests == self.reads.ok
            and self.reads.socket_errors + self.reads.timeout == 0
        )


def write_phase(cluster: Cluster, server: Gunicorn, token: str) -> WriteResult:
    threads = 8
    say(
        f"\n[3/3] writes: {threads} writers on distinct rows and {threads} on the same 3 rows, "
        f"{PATCH_SECONDS:.0f} s, under wrk reads at 8 connections"
    )
    with cluster.connect(DATABASE) as conn:
        hashes = [
            row[0]
            for row in conn.execute(
                "SELECT hash FROM atp.media ORDER BY hash LIMIT %s", [threads * 10 + 3]
            )
        ]
        before = dict(
            conn.execute(
                "SELECT hash, rejection_status::text FROM atp.media WHERE hash = ANY(%s)",
                [hashes],
            ).fetchall()
        )
        last_id = conn.execute(f"SELECT coalesce(max(id), 0) FROM {AUDIT}").fetchone()[0]
    shared, own = hashes[:3], hashes[3:]
    run_id = f"faults-{uuid.uuid4().hex[:12]}"
    result = Patches()
    reads = Wrk(server.url(""), READ_MIX, PATCH_SECONDS + 2, connections=8)
    try:
        time.sleep(1)
        deadline = time.monotonic() + PATCH_SECONDS
        workers = [
            threading.Thread(
                target=patch_worker,
                args=(server, token, run_id, own[i::threads], True, deadline, i, result),
            )
            for i in range(threads)
        ] + [
            threading.Thread(
                target=patch_worker,
                args=(server, token, run_id, shared, False, deadline, 100 + i, result),
            )
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        read_result = reads.wait()
    finally:
        reads.stop()

    with cluster.connect(DATABASE) as conn:
        records = conn.execute(
            f"SELECT id, media_hash, old_status, new_status FROM {AUDIT}"
            " WHERE id > %s AND request_id LIKE %s ORDER BY id",
            [last_id, f"{run_id}-%"],
        ).fetchall()
        touched = sorted({record[1] for record in records})
        final = dict(
            conn.execute(
                "SELECT hash, rejection_status::text FROM atp.media WHERE hash = ANY(%s)",
                [touched],
            ).fetchall()
        )
        last_audit = dict(
            conn.execute(
                "SELECT DISTINCT ON (media_hash) media_hash, new_status"
                f" FROM {AUDIT} WHERE media_hash = ANY(%s)"
                " ORDER BY media_hash, id DESC",
                [touched],
            ).fetchall()
        )
    state_mismatches = [h for h in touched if final.get(h) != last_audit.get(h)]
    owner_mismatches = [h for h, sent in result.last_sent.items() if final.get(h) != sent]
    broken_chains = []
    previous = dict(before)
    for _, media_hash, old_status, new_status in records:
        if previous.get(media_hash) != old_status:
            broken_chains.append(media_hash)
        previous[media_hash] = new_status
    return WriteResult(
        patches=result,
        reads=read_result,
        touched=len(touched),
        audit_records=len(records),
        state_mismatches=state_mismatches,
        owner_mismatches=owner_mismatches,
        broken_chains=sorted(set(broken_chains)),
    )


# --- the report ----------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "ok" if passed else "FAIL"


def report(fault: FaultResult, load: LoadResult, writes: WriteResult) -> bool:
    w = fault.wrk
    checks = []

    def line(label: str, value: str, passed: bool | None = None) -> None:
        mark = "" if passed is None else f"  [{verdict(passed)}]"
        say(f"  {label:<58} {value}{mark}")
        if passed is not None:
            checks.append(passed)

    say("\n== make faults: results ==")
    say("fault phase (database stopped and started under wrk reads)")
    line("requests sent (wrk)", f"{w.requests:,}")
    line(
        "  of which: 200 / 500 database error / 503 readiness",
        f"{w.ok:,} / {w.db_errors:,} / {w.not_ready:,}",
    )
    line("non-contract responses (must be 0)", f"{w.non_contract:,}", w.non_contract == 0)
    for sample in w.samples:
        say(f"      e.g. {sample}")
    line("hung requests, no answer in 5 s (must be 0)", f"{w.timeout:,}", w.timeout == 0)
    line("slowest wrk answer", f"{w.max_us / 1e6:.2f} s")
    line(
        "poller: requests / non-contract (must be 0)",
        f"{fault.poller_requests} / {fault.poller_non_contract}",
        fault.poller_non_contract == 0,
    )
    line(
        "slowest answer while the database was down",
        f"{fault.slowest_down_seconds:.2f} s (connect timeout {CONNECT_TIMEOUT} s)",
        fault.slowest_down_seconds <= CONNECT_TIMEOUT + 1,
    )
    recovered = fault.recovery_seconds is not None
    line(
        "seconds from database up to the first success",
        f"{fault.recovery_seconds:.2f} s" if recovered else f"none within {RECOVERY_LIMIT:.0f} s",
        recovered,
    )
    line("readiness afterwards", str(fault.ready_after), fault.ready_after == 200)

    say(f"load phase ({LOAD_SECONDS:.0f} s of the read mix at 16 connections)")
    lw = load.wrk
    line(
        "requests / req/s / p50 / p99",
        f"{lw.requests:,} / {lw.requests / max(lw.duration_us / 1e6, 1e-9):.0f} / "
        f"{lw.p50_us / 1000:.0f} ms / {lw.p99_us / 1000:.0f} ms",
    )
    line("load-phase errors (must be 0)", f"{load.errors:,}", load.errors == 0)
    for sample in lw.samples:
        say(f"      e.g. {sample}")
    ticks = os.sysconf("SC_CLK_TCK")
    for pid, before, after, stable in load.rows():
        if after is None:
            line(f"worker {pid} RSS after warm-up -> at end", "replaced", False)
            continue
        cpu = (after.cpu_ticks - before.cpu_ticks) / ticks
        line(
            f"worker {pid} RSS after warm-up -> at end (within 10%)",
            f"{before.rss_kb / 1024:.1f} MB -> {after.rss_kb / 1024:.1f} MB "
            f"({(after.rss_kb - before.rss_kb) / before.rss_kb:+.1%}, {cpu:.0f} CPU s)",
            stable,
        )
    if load.new_workers:
        line("workers started during the load (must be none)", str(len(load.new_workers)), False)
    say(f"write phase ({PATCH_SECONDS:.0f} s of concurrent PATCHes under reads)")
    p = writes.patches
    statuses = ", ".join(f"{status}: {n:,}" for status, n in sorted(p.statuses.items(), key=str))
    line("PATCHes sent / by status", f"{p.sent:,} / {statuses}")
    line("PATCH 5xx or no answer (must be 0)", f"{p.server_errors:,}", p.server_errors == 0)
    others = p.sent - p.statuses.get(200, 0)
    line("PATCH answers other than 200 (must be 0)", f"{others:,}", others == 0)
    line(
        "audit records of this run = 200 answers",
        f"{writes.audit_records:,} = {p.statuses.get(200, 0):,}",
        writes.audit_records == p.statuses.get(200, 0),
    )
    line(
        "rows whose state differs from their last audit record",
        f"{len(writes.state_mismatches)} of {writes.touched}",
        not writes.state_mismatches,
    )
    line(
        "distinct rows not holding their writer's last value",
        f"{len(writes.owner_mismatches)} of {len(p.last_sent)}",
        not writes.owner_mismatches,
    )
    line(
        "audit chains broken (old_status != previous new_status)",
        str(len(writes.broken_chains)),
        not writes.broken_chains,
    )
    line(
        "200 bodies not holding the value sent",
        str(p.mismatched_bodies),
        p.mismatched_bodies == 0,
    )
    r = writes.reads
    line(
        "reads meanwhile: requests / errors (must be 0)",
        f"{r.requests:,} / {r.requests - r.ok + r.socket_errors + r.timeout:,}",
        r.requests == r.ok and r.socket_errors + r.timeout == 0,
    )
    passed = all(checks) and writes.ok
    say(f"\nRESULT: {'PASS' if passed else 'FAIL'}")
    return passed


# --- main ------------------------------------------------------------------------------------


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
    cluster = server = None
    try:
        say(f"make faults: embedded PostgreSQL under {PGDATA.relative_to(ROOT)}")
        cluster = Cluster()
        cluster.ensure_database()
        port = _free_port()
        environment = server_environment(cluster, port)
        token = prepare(environment)
        server = Gunicorn(environment, port, OUT / "gunicorn.log")
        server.wait_ready()
        say(
            f"  gunicorn on 127.0.0.1:{port}, {len(server.workers())} workers "
            f"(log: {server.log.relative_to(ROOT)})"
        )
        fault = fault_phase(cluster, server)
        load = load_phase(server)
        writes = write_phase(cluster, server, token)
        passed = report(fault, load, writes)
        say(f"(whole run: {time.monotonic() - started:.0f} s)")
        return 0 if passed else 1
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130
    finally:
        if server is not None:
            server.stop()
        if cluster is not None:
            cluster.shutdown()


if __name__ == "__main__":
    sys.exit(main())
