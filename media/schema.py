"""The media table's DDL, and the schema Django's own tables live in.

`media/sql/media_table.sql` is the one description of the production table;
the demo database and the test database are both made from it.
"""

from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

MEDIA_TABLE_SQL = Path(__file__).resolve().parent / "sql" / "media_table.sql"


def create_media_table(
    *, using: str = "default", schema: str | None = None, replace: bool = False
) -> bool:
    """Create the media schema, enums, table, indexes and triggers.

    Returns False (and does nothing) when the table already exists and
    `replace` is false. `replace` drops the whole schema first: tests only.
    """
    schema = schema or settings.MEDIA_SCHEMA
    connection = connections[using]
    quoted = connection.ops.quote_name(schema)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if replace:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
        cursor.execute("SELECT to_regclass(%s)", [f"{quoted}.media"])
        if cursor.fetchone()[0] is not None:
            return False
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        # The file names nothing schema-qualified: it runs where the pipeline
        # runs it, with the media schema first on the search_path.
        cursor.execute(f"SET LOCAL search_path TO {quoted}")
        cursor.execute(MEDIA_TABLE_SQL.read_text())
    return True


def create_django_schema(*, using: str = "default", **kwargs) -> None:
    """pre_migrate receiver: make sure DJANGO_SCHEMA exists before migrate."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(settings.DJANGO_SCHEMA)}"
        )
