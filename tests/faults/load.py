"""Phase 2: sustained reads; every worker's memory must stay stable."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

from tests.faults.options import LOAD_SECONDS, READ_MIX, RSS_TOLERANCE, WARMUP_SECONDS
from tests.faults.report import Line, say
from tests.faults.wrk import Wrk, WrkResult
from tests.support.server import ProductionServer, status_kb


@dataclass
class Worker:
    rss_kb: int
    cpu_ticks: int


def sample_workers(server: ProductionServer) -> dict[int, Worker]:
    workers = {}
    for pid in server.workers():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        # utime and stime: fields 14 and 15, counted after the ")" that ends the name.
        fields = stat[stat.rindex(")") + 2 :].split()
        rss = status_kb(pid)
        if rss is not None:
            workers[pid] = Worker(rss, int(fields[11]) + int(fields[12]))
    return workers


@dataclass
class LoadResult:
    wrk: WrkResult
    after_warmup: dict[int, Worker]
    at_end: dict[int, Worker]

    def worker_line(self, pid: int, before: Worker) -> Line:
        after = self.at_end.get(pid)
        if after is None:
            return Line(f"worker {pid} RSS after warm-up -> at end", "replaced", False)
        cpu = (after.cpu_ticks - before.cpu_ticks) / os.sysconf("SC_CLK_TCK")
        change = (after.rss_kb - before.rss_kb) / before.rss_kb
        return Line(
            f"worker {pid} RSS after warm-up -> at end (within 10%)",
            f"{before.rss_kb / 1024:.1f} MB -> {after.rss_kb / 1024:.1f} MB "
            f"({change:+.1%}, {cpu:.0f} CPU s)",
            abs(change) <= RSS_TOLERANCE,
        )

    def lines(self) -> list[Line]:
        w = self.wrk
        lines = [
            Line(
                "requests / req/s / p50 / p99",
                f"{w.requests:,} / {w.requests / max(w.duration_us / 1e6, 1e-9):.0f} / "
                f"{w.p50_us / 1000:.0f} ms / {w.p99_us / 1000:.0f} ms",
            ),
            Line("load-phase errors (must be 0)", f"{w.errors:,}", w.errors == 0, w.samples),
        ]
        lines += [
            self.worker_line(pid, before) for pid, before in sorted(self.after_warmup.items())
        ]
        new_workers = set(self.at_end) - set(self.after_warmup)
        if new_workers:
            lines.append(
                Line("workers started during the load (must be none)", str(len(new_workers)), False)
            )
        return lines


def load_phase(server: ProductionServer) -> LoadResult:
    """Warm every worker up to its working size, then the read mix; RSS before and after.

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
    Wrk(server.url(), [READ_MIX[2]], WARMUP_SECONDS / 2, slots, new_connections=True).wait()
    Wrk(server.url(), READ_MIX, WARMUP_SECONDS / 2, 16, new_connections=True).wait()
    time.sleep(1)  # the requests wrk left in flight finish
    after_warmup = sample_workers(server)
    result = Wrk(server.url(), READ_MIX, LOAD_SECONDS, 16, new_connections=True).wait()
    time.sleep(1)
    return LoadResult(result, after_warmup, sample_workers(server))
