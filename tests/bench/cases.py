"""The benchmark's cases: what one request of each asks the service."""

import os
from dataclasses import dataclass

PATCH_HASHES = 32  # rows the PATCH case toggles (x2 statuses: pgbench allows 128 scripts)


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # for PATCH: the path of each hash is built from the captured hashes
    method: str = "GET"


def all_cases(rows: int) -> list[Case]:
    """The cases of issue 3, for a table of `rows` rows; BENCH_CASES picks a subset."""
    cases = [
        Case("default", "/rear-diff/media"),
        Case(
            "filtered",
            "/rear-diff/media?media_type=movie&pipeline_status=complete"
            "&sort_by=release_year&sort_order=asc",
        ),
        Case("deep_offset", f"/rear-diff/media?offset={rows * 3 // 4}&limit=100"),
        Case("limit_1000", "/rear-diff/media?limit=1000"),
        Case("title_search", "/rear-diff/media?media_title=storm"),
        Case("patch", "/rear-diff/media/{hash}/rejection-status", method="PATCH"),
    ]
    wanted = os.environ.get("BENCH_CASES")
    if not wanted:
        return cases
    names = {name.strip() for name in wanted.split(",")}
    unknown = names - {case.name for case in cases}
    if unknown:
        raise SystemExit(f"BENCH_CASES: unknown case(s) {sorted(unknown)}")
    return [case for case in cases if case.name in names]


def patch_body(hash_value: str, status: str) -> dict:
    return {"hash": hash_value, "rejection_status": status}
