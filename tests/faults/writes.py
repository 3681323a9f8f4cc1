"""Phase 3: concurrent PATCHes on distinct and on the same rows under read load.

Afterwards every touched row must hold what its last audit record says, and
the audit records of each row must chain (each old status the previous new one).
"""

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

from config.embedded_postgres import EmbeddedCluster
from tests.faults.options import AUDIT, DATABASE, PATCH_SECONDS, READ_MIX, WRK_TIMEOUT
from tests.faults.report import Line, say
from tests.faults.wrk import Wrk, WrkResult
from tests.support.server import ProductionServer

STATUSES = ["unfiltered", "accepted", "rejected", "override"]
WRITERS = 8  # on distinct rows, and as many again on the same 3 rows


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


@dataclass
class Writer:
    """One thread's PATCHes: its rows in turn (distinct) or at random (shared)."""

    server: ProductionServer
    token: str
    request_ids: str  # prefix of the X-Request-ID of each PATCH
    rows: list[str]
    distinct: bool
    seed: int

    def patch(self, connection, row: str, status_value: str, number: int):
        body = json.dumps({"hash": row, "rejection_status": status_value})
        headers = {
            "Authorization": f"Token {self.token}",
            "Content-Type": "application/json",
            "X-Request-ID": f"{self.request_ids}-{self.seed}-{number}",
        }
        try:
            connection.request("PATCH", f"/rear-diff/media/{row}/rejection-status", body, headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            return None, b""

    def run(self, deadline: float, result: Patches) -> None:
        """PATCH until the deadline on one keep-alive connection."""
        rng = random.Random(self.seed)
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=WRK_TIMEOUT)
        sent = 0
        try:
            while time.monotonic() < deadline:
                row = self.rows[sent % len(self.rows)] if self.distinct else rng.choice(self.rows)
                status_value = rng.choice(STATUSES)
                sent += 1
                status, answer = self.patch(connection, row, status_value, sent)
                result.record(status)
                if status != 200:
                    continue
                stored = json.loads(answer)["data"]["rejection_status"]
                with result.lock:
                    result.mismatched_bodies += stored != status_value
                    if self.distinct:
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

    def lines(self) -> list[Line]:
        p, r, ok = self.patches, self.reads, self.patches.statuses.get(200, 0)
        by_status = ", ".join(
            f"{status}: {n:,}" for status, n in sorted(p.statuses.items(), key=str)
        )
        read_errors = r.requests - r.ok + r.socket_errors + r.timeout
        return [
            Line("PATCHes sent / by status", f"{p.sent:,} / {by_status}"),
            Line(
                "PATCH 5xx or no answer (must be 0)", f"{p.server_errors:,}", p.server_errors == 0
            ),
            Line("PATCH answers other than 200 (must be 0)", f"{p.sent - ok:,}", p.sent == ok),
            Line(
                "audit records of this run = 200 answers",
                f"{self.audit_records:,} = {ok:,}",
                self.audit_records == ok,
            ),
            Line(
                "rows whose state differs from their last audit record",
                f"{len(self.state_mismatches)} of {self.touched}",
                not self.state_mismatches,
            ),
            Line(
                "distinct rows not holding their writer's last value",
                f"{len(self.owner_mismatches)} of {len(p.last_sent)}",
                not self.owner_mismatches,
            ),
            Line(
                "audit chains broken (old_status != previous new_status)",
                str(len(self.broken_chains)),
                not self.broken_chains,
            ),
            Line(
                "200 bodies not holding the value sent",
                str(p.mismatched_bodies),
                p.mismatched_bodies == 0,
            ),
            Line(
                "reads meanwhile: requests / errors (must be 0)",
                f"{r.requests:,} / {read_errors:,}",
                r.requests == r.ok and r.socket_errors + r.timeout == 0,
            ),
        ]


def _write(server: ProductionServer, token: str, request_ids: str, hashes: list[str]):
    """Run the writers under wrk reads; returns what they sent and the reads' counts."""
    shared, own = hashes[:3], hashes[3:]
    writers = [
        Writer(server, token, request_ids, own[i::WRITERS], True, i) for i in range(WRITERS)
    ] + [Writer(server, token, request_ids, shared, False, 100 + i) for i in range(WRITERS)]
    result = Patches()
    reads = Wrk(server.url(), READ_MIX, PATCH_SECONDS + 2, connections=8)
    try:
        time.sleep(1)
        deadline = time.monotonic() + PATCH_SECONDS
        threads = [threading.Thread(target=w.run, args=(deadline, result)) for w in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return result, reads.wait()
    finally:
        reads.stop()


def _audit_since(conn, last_id: int, request_ids: str):
    """This run's audit records, the touched rows' states and each one's last audited status."""
    records = conn.execute(
        f"SELECT id, media_hash, old_status, new_status FROM {AUDIT}"
        " WHERE id > %s AND request_id LIKE %s ORDER BY id",
        [last_id, f"{request_ids}-%"],
    ).fetchall()
    touched = sorted({record[1] for record in records})
    final = dict(
        conn.execute(
            "SELECT hash, rejection_status::text FROM atp.media WHERE hash = ANY(%s)", [touched]
        ).fetchall()
    )
    last_audit = dict(
        conn.execute(
            "SELECT DISTINCT ON (media_hash) media_hash, new_status"
            f" FROM {AUDIT} WHERE media_hash = ANY(%s) ORDER BY media_hash, id DESC",
            [touched],
        ).fetchall()
    )
    return records, touched, final, last_audit


def _soft_delete(conn) -> bool:
    """Whether the table has the pipeline's soft delete (deleted_at: G1 from v24, G2)."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'atp.media'::regclass"
        " AND attname = 'deleted_at' AND NOT attisdropped)"
    ).fetchone()[0]


def write_phase(cluster: EmbeddedCluster, server: ProductionServer, token: str) -> WriteResult:
    say(
        f"\n[3/3] writes: {WRITERS} writers on distinct rows and {WRITERS} on the same 3 rows, "
        f"{PATCH_SECONDS:.0f} s, under wrk reads at 8 connections"
    )
    with cluster.connect(DATABASE) as conn:
        # Rows the service may change: a write to a soft-deleted one answers 409 by contract.
        visible = " WHERE deleted_at IS NULL" if _soft_delete(conn) else ""
        rows = conn.execute(
            f"SELECT hash FROM atp.media{visible} ORDER BY hash LIMIT %s", [WRITERS * 10 + 3]
        )
        hashes = [row[0] for row in rows]
        before = dict(
            conn.execute(
                "SELECT hash, rejection_status::text FROM atp.media WHERE hash = ANY(%s)", [hashes]
            ).fetchall()
        )
        last_id = conn.execute(f"SELECT coalesce(max(id), 0) FROM {AUDIT}").fetchone()[0]
    request_ids = f"faults-{uuid.uuid4().hex[:12]}"
    patches, reads = _write(server, token, request_ids, hashes)
    with cluster.connect(DATABASE) as conn:
        records, touched, final, last_audit = _audit_since(conn, last_id, request_ids)
    broken_chains, previous = set(), dict(before)
    for _, media_hash, old_status, new_status in records:
        if previous.get(media_hash) != old_status:
            broken_chains.add(media_hash)
        previous[media_hash] = new_status
    return WriteResult(
        patches=patches,
        reads=reads,
        touched=len(touched),
        audit_records=len(records),
        state_mismatches=[h for h in touched if final.get(h) != last_audit.get(h)],
        owner_mismatches=[h for h, sent in patches.last_sent.items() if final.get(h) != sent],
        broken_chains=sorted(broken_chains),
    )
