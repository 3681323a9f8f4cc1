"""Prepare the embedded demo database: the exact table, then demo rows if empty."""

from django.conf import settings
from django.core.management.base import BaseCommand

from media import change_log
from media.api.authentication import token_matches
from media.demo.ddl import LATEST, create_media_table
from media.demo.generate import media_generate
from media.layout import refresh_layout
from media.models import Media
from media.operators import operator_create, token_rotate

DEMO_OPERATOR = "demo-operator"


class Command(BaseCommand):
    help = (
        "On the embedded database only: create the media table as the pipeline has it today "
        "(media/demo/sql, with atp.training) and fill it with demo rows when it is empty, and make "
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
        # Idempotent: creates only the triggers that are missing.
        for trigger in change_log.install().created:
            self.stdout.write(f"Installed the change log's trigger {trigger}.")
        refresh_layout()
        if Media.objects.exists():
            self.stdout.write(f"{table} already has rows; keeping them.")
        else:
            written = media_generate(rows=rows, seed=seed)
            self.stdout.write(f"Loaded {written} demo rows into {table}.")
        operator_create(username=DEMO_OPERATOR)
        token = self._demo_token()
        self.stdout.write(
            f"Demo operator {DEMO_OPERATOR!r} may change rejection statuses with\n"
            f"    Authorization: Token {token}\n"
            f"(export TOKEN={token} for the curl examples of docs/api.md)"
        )

    def _demo_token(self):
        """The demo operator's key, the same on every run.

        The database keeps only a digest of a key, so the key itself is kept
        beside the embedded database (like its secret key); a new one is issued
        when that file is missing or its key no longer works.
        """
        key_file = settings.LOCAL_STATE_DIR / "demo_token"
        key = key_file.read_text().strip() if key_file.exists() else ""
        if not token_matches(username=DEMO_OPERATOR, key=key):
            key = token_rotate(username=DEMO_OPERATOR)
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(key)
            key_file.chmod(0o600)
        return key
