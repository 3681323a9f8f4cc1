"""manage.py media_index_advice: the statements, and their measured effect on the list's SQL."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from media.layout import current_layout
from media.management.commands.media_index_advice import ADVICE, advice_for
from tests.support.rows import TABLE


def run(*args):
    out = io.StringIO()
    call_command("media_index_advice", *args, stdout=out)
    return out.getvalue()


def index_names():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'media'",
            [TABLE.split(".")[0].strip('"')],
        )
        return {name for (name,) in cursor.fetchall()}


def test_prints_a_concurrent_create_index_for_every_advice(db):
    output = run()

    for advice in advice_for(current_layout()):
        assert (
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {advice.name} ON {TABLE} {advice.columns};"
            in output
        )
    assert "CREATE EXTENSION IF NOT EXISTS pg_trgm;" in output
    assert "ms ->" not in output  # nothing measured without --measure


def test_indexes_cover_only_the_visible_rows_where_the_list_hides_deleted_ones(db, media_table):
    statements = [line for line in run().splitlines() if line.startswith("CREATE INDEX")]

    assert len(statements) == len(ADVICE)
    partial = [line.endswith(" WHERE deleted_at IS NULL;") for line in statements]
    assert partial == [current_layout().soft_delete] * len(ADVICE)


def test_measure_times_each_index_and_leaves_no_index_behind(make_media, settings):
    settings.EMBEDDED_DATABASE = True
    make_media(n=300)
    before = index_names()

    output = run("--measure", "--repeat", "1")

    assert "-- measured on 300 rows" in output
    measured = [line for line in output.splitlines() if " ms -> " in line]
    # Every advice but the trigram index (pg_trgm may be missing) is measured.
    assert len(measured) >= len(ADVICE) - 1
    assert "GET /rear-diff/media?sort_by=release_year&sort_order=asc:" in output
    assert index_names() == before


def test_measure_refuses_a_configured_database_without_allow_external(db, settings):
    settings.EMBEDDED_DATABASE = False

    with pytest.raises(CommandError, match="--allow-external"):
        run("--measure")


def test_measure_runs_on_a_configured_database_with_allow_external(make_media, settings):
    settings.EMBEDDED_DATABASE = False
    make_media(n=20)

    assert " ms -> " in run("--measure", "--allow-external", "--repeat", "1")
