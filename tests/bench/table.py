"""The benchmark's markdown tables: what their rows share, and the table itself."""

from dataclasses import dataclass

from tests.bench.drivers import WrkResult


@dataclass(kw_only=True)
class MeasuredRow:
    """One wrk run on one table generation and size, against the SQL floor of its request.

    Each table's row class adds its own columns and orders them in cells().
    """

    table: str
    rows: int
    served: WrkResult
    floor_tps: float

    def place(self) -> list[str]:
        """The table generation and its size."""
        return [self.table, f"{self.rows:,}"]

    def speed(self) -> list[str]:
        """req/s, p50 ms and p99 ms, as wrk measured them."""
        return [f"{self.served.rps:.1f}", f"{self.served.p50_ms:.1f}", f"{self.served.p99_ms:.1f}"]

    def cells(self) -> list[str]:
        raise NotImplementedError


def markdown(rows: list[MeasuredRow], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)
