"""`migrate`, one process at a time: for replicas that all migrate when they start."""

import zlib

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

# One advisory lock key for this service's migrations (PostgreSQL takes a
# bigint); replicas of the same service on one database share it.
LOCK_KEY = zlib.crc32(b"rear-differential migrate")


class Command(MigrateCommand):
    help = (
        "Django's migrate, after taking a PostgreSQL advisory lock: replicas starting at "
        "once migrate one after the other, and the later ones find nothing left to do."
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
            return super().handle(*args, **options)
        finally:
            # A session lock: released here, or by PostgreSQL if the process dies.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
