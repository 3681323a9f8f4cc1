"""Prepare the embedded demo database: the exact table, then demo rows if empty."""

from django.conf import settings
from django.core.management.base import BaseCommand

from media.ddl import LATEST, create_media_table
from media.generate import media_generate
from media.layout import refresh_layout
from media.models import Media
from media.operators import operator_create, token_issue

DEMO_OPERATOR = "demo-operator"


class Command(BaseCommand):
    help = (
        "On the embedded database only: create the media table as the pipeline has it today "
        "(media/sql, with atp.training) and fill it with demo rows when it is empty, and make "
        "a demo operator with a token."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, rows, seed, **options):
        if not settings.EMBEDDED_DATABASE:
            # make run calls this on every start; on a configured database the
            # pipeline owns the table, so there is nothing to prepare.
            self.stdout.write(
                "A database is configured (DATABASE_URL or PGSQL_*): leaving "
                f"{Media._meta.db_table} alone."
            )
            return
        table = Media._meta.db_table
        if create_media_table():
            self.stdout.write(f"Created {table} as the pipeline has it today ({LATEST}).")
        refresh_layout()
        if Media.objects.exists():
            self.stdout.write(f"{table} already has rows; keeping them.")
        else:
            written = media_generate(rows=rows, seed=seed)
            self.stdout.write(f"Loaded {written} demo rows into {table}.")
        operator_create(username=DEMO_OPERATOR)
        token = token_issue(username=DEMO_OPERATOR).key
        self.stdout.write(
            f"Demo operator {DEMO_OPERATOR!r} may change rejection statuses with\n"
            f"    Authorization: Token {token}\n"
            f"(export TOKEN={token} for the README's curl examples)"
        )
