"""Fill the media table with deterministic, realistic rows, fast (COPY)."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media.demo.generate import media_generate
from media.models import Media


class Command(BaseCommand):
    help = (
        "Fill the media table (whatever its generation) with deterministic, realistic rows, "
        "and atp.training where the table keeps metadata there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--allow-external",
            action="store_true",
            help="Write to a configured (non-embedded) database: only for test or "
            "benchmark databases, never the pipeline's.",
        )

    def handle(self, *args, rows, seed, allow_external, **options):
        if rows < 0:
            raise CommandError("--rows must be >= 0")
        if not settings.EMBEDDED_DATABASE and not allow_external:
            raise CommandError(
                "Refusing to fill a configured database: pass --allow-external if it is a "
                "test or benchmark database."
            )
        started = datetime.now(tz=UTC)
        written = media_generate(rows=rows, seed=seed)
        seconds = (datetime.now(tz=UTC) - started).total_seconds()
        self.stdout.write(f"Wrote {written} rows to {Media._meta.db_table} in {seconds:.1f} s.")
