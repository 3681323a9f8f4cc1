"""Connections: one persistent connection per thread against psycopg's pool (DB_POOL).

On the smallest table, where the service's own cost shows most, a second server
with DB_POOL=true (and CONN_MAX_AGE=0, which a pool needs) serves the same
requests as the first: the readiness check (one row), the default page and the PATCH, one
after the other on each server, so both meet the same machine.
"""

from dataclasses import dataclass

from tests.bench.drivers import wrk
from tests.bench.service import PROXY_HEADERS
from tests.bench.table import MeasuredRow
from tests.support.server import ProductionServer

CASES = ("default", "patch")
COLUMNS = ["table", "rows", "request", "connections", "req/s", "p50 ms", "p99 ms", "errors"]


@dataclass(kw_only=True)
class PoolRow(MeasuredRow):
    request: str
    connections: str

    def cells(self) -> list[str]:
        return [
            *self.place(),
            self.request,
            self.connections,
            *self.speed(),
            str(self.served.errors),
        ]


def bench_pool(size, env: dict, cases: dict, case_request, log_dir) -> list[PoolRow]:
    """The connections table's rows for one database; `case_request(case, server)` is
    what wrk sends for a case."""
    rows = []
    pooled = {**env, "DB_POOL": "true", "CONN_MAX_AGE": "0", "READ_CACHE_MB": "0"}
    with ProductionServer(pooled, log=log_dir / f"gunicorn-{size.dbname}-pool.log") as pool:
        servers = {"persistent, per thread": size.service, "DB_POOL": pool}
        requests = {"ready": None} | {name: cases[name] for name in CASES}
        for name, case in requests.items():
            for connections, server in servers.items():
                if case is None:
                    url, headers, hashes = (
                        server.url("/rear-diff/health/ready"),
                        PROXY_HEADERS,
                        None,
                    )
                else:
                    url, headers, hashes = case_request(case, size, server)
                wrk(url, size.warmup or 1, headers, hashes)
                served = wrk(url, size.seconds, headers, hashes)
                rows.append(
                    PoolRow(
                        table=size.table,
                        rows=size.rows,
                        request=name,
                        connections=connections,
                        served=served,
                        floor_tps=0,
                    )
                )
                print("  " + " | ".join(rows[-1].cells()), flush=True)
    return rows
