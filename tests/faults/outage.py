"""Phase 1: wrk reads while the database stops and starts again; how long until reads succeed."""

import threading
import time
from dataclasses import dataclass

from config.embedded_postgres import EmbeddedCluster
from tests.faults.live import LiveClients
from tests.faults.options import (
    CONNECT_TIMEOUT,
    DOWN_SECONDS,
    FAULT_MIX,
    FAULT_SECONDS,
    LEAD_SECONDS,
    RECOVERY_LIMIT,
    WRK_TIMEOUT,
)
from tests.faults.report import Line, say
from tests.faults.wrk import Wrk, WrkResult
from tests.support.server import ProductionServer, get


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
            status, _, body = get(self.url, timeout=WRK_TIMEOUT)
            contract = status == 200 or (
                status == 500 and b'"error":"Database error occurred"' in body
            )
            self.polls.append(Poll(sent, time.monotonic(), status, contract))
            self.stopped.wait(0.05)

    def recovered_since(self, up: float) -> bool:
        return any(poll.status == 200 and poll.done >= up for poll in self.polls)


@dataclass
class OutageResult:
    wrk: WrkResult
    recovery_seconds: float | None
    slowest_down_seconds: float
    poller_requests: int
    poller_non_contract: int
    ready_after: int | None
    live: list[Line]

    def lines(self) -> list[Line]:
        w, recovered = self.wrk, self.recovery_seconds is not None
        return [
            Line("requests sent (wrk)", f"{w.requests:,}"),
            Line(
                "  of which: 200 / 500 database error / 503 readiness",
                f"{w.ok:,} / {w.db_errors:,} / {w.not_ready:,}",
            ),
            Line(
                "non-contract responses (must be 0)",
                f"{w.non_contract:,}",
                w.non_contract == 0,
                w.samples,
            ),
            Line("hung requests, no answer in 5 s (must be 0)", f"{w.timeout:,}", w.timeout == 0),
            Line("slowest wrk answer", f"{w.max_us / 1e6:.2f} s"),
            Line(
                "poller: requests / non-contract (must be 0)",
                f"{self.poller_requests} / {self.poller_non_contract}",
                self.poller_non_contract == 0,
            ),
            Line(
                "slowest answer while the database was down",
                f"{self.slowest_down_seconds:.2f} s (connect timeout {CONNECT_TIMEOUT} s)",
                self.slowest_down_seconds <= CONNECT_TIMEOUT + 1,
            ),
            Line(
                "seconds from database up to the first success",
                f"{self.recovery_seconds:.2f} s"
                if recovered
                else f"none within {RECOVERY_LIMIT:.0f} s",
                recovered,
            ),
            Line("readiness afterwards", str(self.ready_after), self.ready_after == 200),
            *self.live,
        ]


def outage_phase(cluster: EmbeddedCluster, server: ProductionServer) -> OutageResult:
    say(
        f"\n[1/3] fault: wrk {FAULT_SECONDS:.0f} s at 8 connections; the database stops "
        f"after {LEAD_SECONDS:.0f} s for {DOWN_SECONDS:.0f} s"
    )
    live = LiveClients(cluster, server.url("/rear-diff/media/events"))
    live.start()
    wrk = Wrk(server.url(), FAULT_MIX, FAULT_SECONDS, connections=8)
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
        while time.monotonic() < up + RECOVERY_LIMIT and not poller.recovered_since(up):
            time.sleep(0.02)
        poller.stopped.set()
        poller.join()
        result = wrk.wait()
    finally:
        poller.stopped.set()
        wrk.stop()
        live.stop()
    polls = poller.polls
    successes = [poll.done - up for poll in polls if poll.status == 200 and poll.done >= up]
    down = [poll.done - poll.sent for poll in polls if poll.sent >= stopped and poll.done < up]
    return OutageResult(
        wrk=result,
        recovery_seconds=min(successes) if successes else None,
        slowest_down_seconds=max(down, default=0.0),
        poller_requests=len(polls),
        poller_non_contract=sum(not poll.contract for poll in polls),
        ready_after=server.get("/rear-diff/health/ready")[0],
        live=live.lines(),
    )
