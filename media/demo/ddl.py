"""The pipeline's DDL for the demo and the tests: the table's generations, as scripts.

`media/demo/sql/` reproduces the table's generations from the facts of docs/table.md,
as the pipeline's Flyway scripts made them. A generation is the list of scripts
that builds it; the tests also apply single scripts to a live table to migrate
it while the service runs.
"""

from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

SQL_DIR = Path(__file__).resolve().parent / "sql"

G1_V18 = ("v007_g1.sql",)
G1_V23 = (*G1_V18, "triggers.sql")
G1_V27 = (*G1_V23, "v024_soft_delete.sql", "v025_tv_episode_pack.sql")
GENERATIONS = {
    "g0": ("g0.sql", "triggers.sql"),
    "g1-v18": G1_V18,  # no triggers: updated_at is not refreshed
    "g1-v23": G1_V23,
    "g1-v27": G1_V27,  # soft delete
    "g2": (*G1_V27, "v028_training.sql", "v031_timestamps.sql"),  # today's table
}
LATEST = "g2"


def create_media_table(
    *,
    generation: str = LATEST,
    using: str = "default",
    schema: str | None = None,
    replace: bool = False,
) -> bool:
    """Create the media schema with `generation`'s enums, tables, indexes and triggers.

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
        cursor.execute(f"SET LOCAL search_path TO {quoted}")
        cursor.execute(generation_sql(generation))
    return True


def generation_sql(generation: str = LATEST) -> str:
    """The scripts that build `generation`, in order, as one SQL text for the media schema."""
    return "\n".join((SQL_DIR / script).read_text() for script in GENERATIONS[generation])


def run_script(script: str, *, using: str = "default", schema: str | None = None) -> None:
    """Run one of media/demo/sql's scripts in the media schema, as the pipeline runs it.

    The scripts name nothing schema-qualified: they run with the media schema
    first on the search_path.
    """
    connection = connections[using]
    quoted = connection.ops.quote_name(schema or settings.MEDIA_SCHEMA)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path TO {quoted}")
        cursor.execute((SQL_DIR / script).read_text())
