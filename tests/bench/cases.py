"""The benchmark's cases: what one request of each asks the service."""

import os
from dataclasses import dataclass

PATCH_HASHES = 32  # rows the PATCH case toggles (x2 statuses: pgbench allows 128 scripts)


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # for PATCH: the path of each hash is built from the captured hashes
    method: str = "GET"
    # What a naive implementation sends for the same page (the baseline):
    # one COUNT(*) and one SELECT * ... ORDER BY ... LIMIT/OFFSET, no tie-breaker.
    naive: tuple[str, str] | None = None  # (WHERE clause or "", ORDER BY ... LIMIT ... OFFSET ...)
    # The baseline of a count (facets): one COUNT(*) over the same filter and the
    # same soft-delete rule, nothing else.
    count: str | None = None  # the WHERE clause, or ""

    def naive_script(self, table: str, soft_delete: bool = False) -> str | None:
        if self.count is not None:
            conditions = [c for c in (self.count, "deleted_at IS NULL" * soft_delete) if c]
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            return f"SELECT COUNT(*) FROM {table}{where};\n"
        if self.naive is None:
            return None
        where, tail = self.naive
        where = f" WHERE {where}" if where else ""
        return f"SELECT COUNT(*) FROM {table}{where};\nSELECT * FROM {table}{where} {tail};\n"


def all_cases(rows: int) -> list[Case]:
    """The benchmark's cases for a table of `rows` rows; BENCH_CASES picks a subset."""
    deep = rows * 3 // 4
    newest = "ORDER BY created_at DESC LIMIT {} OFFSET {}"
    cases = [
        Case("default", "/rear-diff/media", naive=("", newest.format(100, 0))),
        Case(
            "filtered",
            "/rear-diff/media?media_type=movie&pipeline_status=complete"
            "&sort_by=release_year&sort_order=asc",
            naive=(
                "media_type = 'movie' AND pipeline_status = 'complete'",
                "ORDER BY release_year ASC LIMIT 100 OFFSET 0",
            ),
        ),
        Case(
            "deep_offset",
            f"/rear-diff/media?offset={deep}&limit=100",
            naive=("", newest.format(100, deep)),
        ),
        Case("limit_1000", "/rear-diff/media?limit=1000", naive=("", newest.format(1000, 0))),
        Case(
            "title_search",
            "/rear-diff/media?media_title=storm",
            naive=("media_title ILIKE '%storm%'", newest.format(100, 0)),
        ),
        Case("patch", "/rear-diff/media/{hash}/rejection-status", method="PATCH"),
        # Facets against one COUNT(*) over the same rows (the issue: within 1.5x).
        Case("facets", "/rear-diff/media/facets", count=""),
        Case(
            "facets_filtered",
            "/rear-diff/media/facets?media_type=movie,tv_show&created_after=2024-01-01T00:00:00Z",
            count="media_type IN ('movie', 'tv_show') AND created_at >= '2024-01-01T00:00:00Z'",
        ),
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
