"""Phase 1's live clients: streams of GET /rear-diff/media/events across the database's restart.

LIVE_CLIENTS clients listen as a browser's EventSource does: when a stream ends
or breaks, the client connects again after the `retry` it was given, sending
the last id it saw (Last-Event-ID). A writer commits a one-row UPDATE every
200 ms, to a new row each time, as long as the database takes it. Afterwards,
each commit must have reached each client: as an event naming its row, or by a
resync that arrived after the commit (the client reloads everything then).
"""

import threading
import time
from dataclasses import dataclass, field

import psycopg

from config.embedded_postgres import EmbeddedCluster
from tests.faults.options import DATABASE
from tests.faults.report import Line
from tests.support.events import EventStream

LIVE_CLIENTS = 20
WRITE_EVERY = 0.2


@dataclass
class Heard:
    rows: dict[str, float] = field(default_factory=dict)  # row -> first event naming it
    resyncs: list[float] = field(default_factory=list)
    connects: int = 0
    resumed: int = 0  # reconnections that sent a Last-Event-ID
    listening: bool = False  # a stream is open now


class Client(threading.Thread):
    def __init__(self, url: str, stopped: threading.Event):
        super().__init__(daemon=True)
        self.url, self.stopped, self.heard = url, stopped, Heard()

    def run(self) -> None:
        last_id, retry = None, 1.0
        while not self.stopped.is_set():
            headers = {"Last-Event-ID": last_id} if last_id else {}
            try:
                stream = EventStream(self.url, headers=headers, timeout=5)
            except OSError:
                time.sleep(retry)
                continue
            self.heard.connects += 1
            self.heard.resumed += bool(last_id)
            with stream:
                if stream.status != 200:  # EventSource would give up; this one retries
                    time.sleep(retry)
                    continue
                self.heard.listening = True
                while not self.stopped.is_set():
                    message = stream.next(0.5)
                    if message is None:
                        if stream.ended:
                            break
                        continue
                    if message.retry is not None:
                        retry = message.retry / 1000
                    last_id = stream.last_id or last_id
                    if message.kind == "resync":
                        self.heard.resyncs.append(time.monotonic())
                    elif message.kind == "media":
                        for row in message.data["hashes"]:
                            self.heard.rows.setdefault(row, time.monotonic())
                self.heard.listening = self.stopped.is_set()
            if not self.stopped.is_set():
                time.sleep(retry)


class Writer(threading.Thread):
    """A one-row UPDATE every WRITE_EVERY seconds; the rows it committed and when it began each."""

    def __init__(self, cluster: EmbeddedCluster, rows: list[str], stopped: threading.Event):
        super().__init__(daemon=True)
        self.cluster, self.rows, self.stopped = cluster, rows, stopped
        self.committed: dict[str, float] = {}
        self.failed = 0

    def run(self) -> None:
        conn = None
        for row in self.rows:
            if self.stopped.wait(WRITE_EVERY):
                break
            began = time.monotonic()
            try:
                conn = conn or self.cluster.connect(DATABASE, connect_timeout=1)
                conn.execute(
                    "UPDATE atp.media SET error_status = NOT error_status WHERE hash = %s", [row]
                )
                self.committed[row] = began
            except psycopg.Error:
                self.failed += 1
                conn = None
        if conn is not None:
            conn.close()


class LiveClients:
    def __init__(self, cluster: EmbeddedCluster, url: str):
        with cluster.connect(DATABASE) as conn:
            rows = [
                r[0]
                for r in conn.execute(
                    "SELECT hash FROM atp.media m WHERE to_jsonb(m)->>'deleted_at' IS NULL "
                    "ORDER BY hash LIMIT 2000"
                )
            ]
        self.stopped = threading.Event()
        self.clients = [Client(url, self.stopped) for _ in range(LIVE_CLIENTS)]
        self.writer = Writer(cluster, rows, threading.Event())

    def start(self) -> None:
        for client in self.clients:
            client.start()
        time.sleep(1)  # connected before the first commit
        self.writer.start()

    def stop(self) -> None:
        self.writer.stopped.set()
        self.writer.join()
        time.sleep(2)  # the last commits' events
        self.listening_at_end = sum(client.heard.listening for client in self.clients)
        self.stopped.set()
        for client in self.clients:
            client.join()

    def lost(self) -> list[str]:
        """(client, row) pairs of a commit that reached a client neither way."""
        missing = []
        for number, client in enumerate(self.clients):
            for row, began in self.writer.committed.items():
                heard = row in client.heard.rows
                covered = any(at >= began for at in client.heard.resyncs)
                if not heard and not covered:
                    missing.append(f"client {number}: {row[:10]}")
        return missing

    def lines(self) -> list[Line]:
        heard = [client.heard for client in self.clients]
        lost = self.lost()
        return [
            Line("live clients (EventSource-like, reconnecting)", str(len(self.clients))),
            Line(
                "commits while they listened (failed while down)",
                f"{len(self.writer.committed)} ({self.writer.failed})",
            ),
            Line(
                "connections made (resuming with Last-Event-ID)",
                (f"{sum(h.connects for h in heard)} ({sum(h.resumed for h in heard)})"),
            ),
            Line("clients told to resync", str(sum(bool(h.resyncs) for h in heard))),
            Line(
                "clients whose stream broke and who came back by themselves",
                str(sum(h.connects > 1 for h in heard)),
            ),
            Line(
                "clients listening once the database is back",
                f"{self.listening_at_end} of {len(self.clients)}",
                passed=self.listening_at_end == len(self.clients),
            ),
            Line(
                "commits a client missed (no event, no later resync)",
                str(len(lost)),
                passed=not lost,
                samples=lost[:3],
            ),
        ]
