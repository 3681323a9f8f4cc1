"""`migrate`, one process at a time: for replicas that all migrate when they start."""

import zlib

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DatabaseError, connections

from media import change_log

# One advisory lock key for this service's migrations (PostgreSQL takes a
# bigint); replicas of the same service on one database share it.
LOCK_KEY = zlib.crc32(b"rear-differential migrate")


class Command(MigrateCommand):
    help = (
        "Django's migrate, after taking a PostgreSQL advisory lock: replicas starting at "
        "once migrate one after the other, and the later ones find nothing left to do. "
        "Then it installs the change log's triggers where the role may (media_change_log)."
    )

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            # Waiting for another replica's migrations is not a slow query:
            # statement_timeout (DB_STATEMENT_TIMEOUT) must not cut the wait.
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            cursor.execute("RESET statement_timeout")
        try:
            super().handle(*args, **options)
            self._install_change_log(options["database"])
        finally:
            # A session lock: released here, or by PostgreSQL if the process dies.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

    def _install_change_log(self, database):
        """Where the role has TRIGGER on the pipeline's tables, the log is on with no step of
        its own; where it has not, or the table is busy, the service validates by snapshot."""
        try:
            installed = change_log.install(using=database)
        except DatabaseError as exc:
            self.stderr.write(f"The change log was not installed ({exc}); run media_change_log.")
            return
        for trigger in installed.created:
            self.stdout.write(f"Installed the change log's trigger {trigger}.")
        for table in installed.refused:
            self.stdout.write(
                f"No TRIGGER privilege on {table}: cached reads are validated by snapshot "
                "(see media_change_log)."
            )
