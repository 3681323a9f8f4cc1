"""Index advice for the pipeline's owners: what would make each sort and filter fast.

This service may not create indexes on a table it does not own. This command
prints the statements, and with --measure shows their effect on the list's
own queries: each index is built inside a transaction that is rolled back, so
it is only for the embedded, test or benchmark databases (building an index
locks the table against writes while it runs).
"""

import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from media.api.views import MediaViewSet
from media.layout import TableLayout, current_layout
from media.models import Media


@dataclass(frozen=True)
class Advice:
    name: str
    columns: str  # the index's column list, or a full "USING ..." clause
    query: str  # the API query string whose SQL the index speeds up
    why: str
    extension: str | None = None

    def statement(self, table: str) -> str:
        return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {self.name} ON {table} {self.columns};"


# The hash tie-breaker is part of every ORDER BY, so a (column, hash) index
# serves the page in either direction without a sort.
ADVICE = [
    Advice(
        "media_created_at_hash_idx", "(created_at, hash)", "", "the default sort (created_at desc)"
    ),
    Advice(
        "media_updated_at_hash_idx",
        "(updated_at, hash)",
        "sort_by=updated_at",
        "sort by updated_at",
    ),
    Advice(
        "media_release_year_hash_idx",
        "(release_year, hash)",
        "sort_by=release_year&sort_order=asc",
        "sort by release_year",
    ),
    Advice(
        "media_title_hash_idx",
        "(media_title, hash)",
        "sort_by=media_title&sort_order=asc",
        "sort by media_title",
    ),
    Advice(
        "media_type_status_created_idx",
        "(media_type, pipeline_status, created_at, hash)",
        "media_type=movie&pipeline_status=complete",
        "the front-end's usual filter pair, newest first",
    ),
    Advice(
        "media_rejection_status_created_idx",
        "(rejection_status, created_at, hash)",
        "rejection_status=override",
        "filter by rejection_status, newest first",
    ),
    Advice(
        "media_title_trgm_idx",
        "USING gin (media_title gin_trgm_ops)",
        "media_title=storm",
        "case-insensitive title search (ILIKE '%...%')",
        extension="pg_trgm",
    ),
]


def advice_for(layout: TableLayout) -> list[Advice]:
    """The advice for the table as it is. Where the list hides soft-deleted rows, each
    index covers the visible rows only: it then also serves the `total`, whose
    `COUNT(*) ... WHERE deleted_at IS NULL` reads the whole table otherwise (on G0 the
    count reads a small index instead, which makes G2's default page about three
    times as costly at 1,000,000 rows: docs/performance.md)."""
    if not layout.soft_delete:
        return ADVICE
    return [
        replace(advice, columns=f"{advice.columns} WHERE deleted_at IS NULL") for advice in ADVICE
    ]


def list_statements(query_string: str) -> list[str]:
    """The SQL the list endpoint runs for this query string (count, then page)."""
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    request = RequestFactory(HTTP_HOST=host).get("/rear-diff/media", QUERY_STRING=query_string)
    view = MediaViewSet.as_view({"get": "list"})
    with CaptureQueriesContext(connection) as queries:
        response = view(request)
    if response.status_code != 200:
        raise CommandError(f"The list answered {response.status_code} for ?{query_string}")
    # The reads, without the transaction control around them.
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("SELECT")]


def time_statements(statements: list[str], repeat: int) -> float:
    """Best wall time in ms of running the statements in order."""
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
            best = min(best, (time.perf_counter() - started) * 1000)
    return best


class Command(BaseCommand):
    help = "Print CREATE INDEX CONCURRENTLY statements for the list's sorts and filters."

    def add_arguments(self, parser):
        parser.add_argument(
            "--measure",
            action="store_true",
            help="Time the list's queries without and with each index (built in a rolled-back "
            "transaction). Embedded database only, unless --allow-external.",
        )
        parser.add_argument(
            "--allow-external",
            action="store_true",
            help="Allow --measure on a configured test or benchmark database.",
        )
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, measure, allow_external, repeat, **options):
        table = Media._meta.db_table
        if measure and not settings.EMBEDDED_DATABASE and not allow_external:
            raise CommandError(
                "--measure builds indexes (locking the table against writes): only on the "
                "embedded database, or a test/benchmark one with --allow-external."
            )
        rows = Media.objects.count() if measure else None
        if rows is not None:
            self.stdout.write(f"-- measured on {rows:,} rows; best of {repeat} runs")
        for advice in advice_for(current_layout()):
            self.stdout.write(f"\n-- {advice.why}")
            if advice.extension:
                self.stdout.write(f"CREATE EXTENSION IF NOT EXISTS {advice.extension};")
            self.stdout.write(advice.statement(table))
            if measure:
                self.stdout.write(f"--   {self._measure(advice, table, repeat)}")

    def _measure(self, advice: Advice, table: str, repeat: int) -> str:
        statements = list_statements(advice.query)
        before = time_statements(statements, repeat)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    if advice.extension:
                        cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {advice.extension}")
                    cursor.execute(f"CREATE INDEX {advice.name} ON {table} {advice.columns}")
                    cursor.execute(f"ANALYZE {table}")
                after = time_statements(statements, repeat)
                transaction.set_rollback(True)
        except Exception as exc:  # an unavailable extension, say
            return f"not measured: {str(exc).splitlines()[0]}"
        return (
            f"GET /rear-diff/media?{advice.query}: {before:.1f} ms -> {after:.1f} ms "
            f"({before / after:.0f}x)"
        )
