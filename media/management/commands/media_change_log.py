"""Install the change log's triggers on the pipeline's tables, say which validation is in force,
prune the log."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from media import change_log
from media.layout import refresh_layout


class Command(BaseCommand):
    help = (
        "The change log (media/change_log.py): install | status | prune. `install` puts its "
        "statement triggers on the media table (and atp.training) when the role has the "
        "TRIGGER privilege there; run it again after the pipeline re-creates a table. "
        "Without them, cached reads are validated by the whole database snapshot."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        install = actions.add_parser("install", help="Create the log's triggers where missing.")
        install.add_argument(
            "--lock-timeout",
            default="2s",
            help="How long CREATE TRIGGER waits for the pipeline's writers (default 2s).",
        )
        actions.add_parser("status", help="Say whether cached reads are validated by the log.")
        actions.add_parser("prune", help="Drop the log rows no cached answer needs any more.")

    def handle(self, *args, action, **options):
        try:
            if action == "install":
                self._install(options["lock_timeout"])
            elif action == "status":
                self.stdout.write(change_log.status(refresh_layout())["detail"])
            else:
                self.stdout.write(f"Pruned {change_log.prune()} log rows.")
        except DatabaseError as exc:
            raise CommandError(f"The change log's {action} failed: {exc}") from exc

    def _install(self, lock_timeout):
        installed = change_log.install(lock_timeout=lock_timeout)
        for trigger in installed.created:
            self.stdout.write(f"Created trigger {trigger}.")
        for table in installed.refused:
            self.stderr.write(
                f"No TRIGGER privilege on {table}: its changes are not logged "
                f"(GRANT TRIGGER ON {table} TO <the service's role>)."
            )
        self.stdout.write(change_log.status(refresh_layout())["detail"])
        if not installed.complete:
            raise CommandError("The change log is not installed on every table.")
