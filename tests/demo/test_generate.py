"""media/demo/generate.py: deterministic demo rows, COPYed into each generation's real table."""

import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from media.demo.generate import generate_record, media_generate
from media.layout import current_layout
from media.models import Media, Training
from tests.spec import media_types, pipeline_statuses
from tests.support.rows import TABLE

TRAINING = Training._meta.db_table


def table_rows(table=TABLE, key="hash"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY {key}")
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def written(generation):
    """Every row the generator wrote: atp.media's, and atp.training's on G2."""
    rows = table_rows()
    return rows + (table_rows(TRAINING, "imdb_id") if generation == "g2" else [])


def empty_tables(generation):
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {TABLE}" + (f", {TRAINING} CASCADE" if generation == "g2" else "")
        )


def test_same_seed_writes_identical_rows(db, media_table):
    assert media_generate(rows=300, seed=5) == 300
    first = written(media_table)
    empty_tables(media_table)

    assert media_generate(rows=300, seed=5) == 300

    assert written(media_table) == first
    assert len(table_rows()) == 300


def test_different_seeds_write_different_rows(db, media_table):
    media_generate(rows=200, seed=5)
    first = table_rows()
    empty_tables(media_table)

    media_generate(rows=200, seed=6)
    second = table_rows()

    assert len(second) == 200
    assert {row["hash"] for row in first}.isdisjoint(row["hash"] for row in second)
    strip = [{k: v for k, v in row.items() if k != "hash"} for row in first]
    assert [{k: v for k, v in row.items() if k != "hash"} for row in second] != strip


def test_generate_record_is_a_pure_function_of_seed_index_and_layout(db, media_table):
    layout = current_layout()

    def records(seed):
        rng = random.Random(seed)
        return [generate_record(rng, seed, index, layout) for index in range(50)]

    assert records(9) == records(9)
    assert records(9) != records(10)


def test_generated_rows_satisfy_every_check_constraint_and_use_every_live_label(db, media_table):
    """COPY into the real table would fail on any violated CHECK or NOT NULL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'c'",
            [TABLE],
        )
        assert cursor.fetchone()[0] >= 4  # the proof is only as good as the constraints in force

    assert media_generate(rows=5000, seed=42, batch=1200) == 5000

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT hash), count(DISTINCT media_type), "
            f"count(DISTINCT pipeline_status), count(DISTINCT rejection_status) FROM {TABLE}"
        )
        total, hashes, types, statuses, rejections = cursor.fetchone()
    assert total == hashes == 5000
    # Varied data, not one repeated shape: every label of this generation occurs.
    assert types == len(media_types(media_table))
    assert statuses == len(pipeline_statuses(media_table))
    assert rejections == 4


def test_generated_rows_are_already_what_the_update_triggers_would_make_them(db, media_table):
    """An update that changes nothing must leave every generated row as it was.

    Triggers 3 and 4 clear error_condition without an error and rejection_reason
    unless rejected; consistent demo rows never hold what the table would erase.
    """
    media_generate(rows=1000, seed=3)
    before = {row["hash"]: row for row in table_rows()}

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET hash = hash")
    after = {row["hash"]: row for row in table_rows()}

    for hash_value, row in after.items():
        row.pop("updated_at")
        expected = dict(before[hash_value])
        expected.pop("updated_at")
        assert row == expected, hash_value


@pytest.mark.tables("g2")
def test_on_g2_metadata_goes_to_training_and_some_rows_are_soft_deleted(db, media_table):
    media_generate(rows=3000, seed=4)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL), "
            f"count(*) FILTER (WHERE deleted_at IS NOT NULL AND rejection_status = 'rejected' "
            f"AND rejection_reason = 'user deletion'), count(DISTINCT imdb_id) FROM {TABLE}"
        )
        deleted, deleted_as_trigger_5_leaves_them, movies = cursor.fetchone()
        cursor.execute(f"SELECT count(*), count(genre) FROM {TRAINING}")
        trained, with_genre = cursor.fetchone()
    assert 0 < deleted == deleted_as_trigger_5_leaves_them < 150
    # Not every movie the pipeline knows has a training row (docs/table.md, "The generations").
    assert 0.8 * movies < trained < movies
    assert with_genre == trained


def test_command_writes_rows_on_the_embedded_database(db, settings, capsys):
    settings.EMBEDDED_DATABASE = True

    call_command("media_generate", "--rows", "25", "--seed", "8")

    assert Media.objects.count() == 25
    assert f"Wrote 25 rows to {TABLE}" in capsys.readouterr().out


def test_command_refuses_a_configured_database_without_allow_external(db, settings):
    settings.EMBEDDED_DATABASE = False

    with pytest.raises(CommandError, match="--allow-external"):
        call_command("media_generate", "--rows", "25", "--seed", "8")

    assert Media.objects.count() == 0


def test_command_writes_to_a_configured_database_with_allow_external(db, settings, capsys):
    settings.EMBEDDED_DATABASE = False

    call_command("media_generate", "--rows", "25", "--seed", "8", "--allow-external")

    assert Media.objects.count() == 25
    assert f"Wrote 25 rows to {TABLE}" in capsys.readouterr().out


def test_command_refuses_a_negative_row_count(db):
    with pytest.raises(CommandError, match="--rows"):
        call_command("media_generate", "--rows", "-1")

    assert Media.objects.count() == 0


def test_command_rows_match_the_function_for_the_same_seed(db, settings, media_table):
    settings.EMBEDDED_DATABASE = True
    call_command("media_generate", "--rows", "40", "--seed", "13")
    from_command = written(media_table)
    empty_tables(media_table)

    media_generate(rows=40, seed=13)

    assert written(media_table) == from_command
