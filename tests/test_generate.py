"""media_generate: deterministic demo rows, COPYed into the real table."""

import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from media.management.commands.media_generate import COLUMNS, generate_row, media_generate
from media.models import Media

TABLE = Media._meta.db_table


def table_rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TABLE} ORDER BY hash")
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def empty_table():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


def test_same_seed_writes_identical_rows(db):
    assert media_generate(rows=300, seed=5) == 300
    first = table_rows()
    empty_table()

    assert media_generate(rows=300, seed=5) == 300

    assert table_rows() == first
    assert len(first) == 300


def test_different_seeds_write_different_rows(db):
    media_generate(rows=200, seed=5)
    first = table_rows()
    empty_table()

    media_generate(rows=200, seed=6)
    second = table_rows()

    assert len(second) == 200
    assert {row["hash"] for row in first}.isdisjoint(row["hash"] for row in second)
    strip = [{k: v for k, v in row.items() if k != "hash"} for row in first]
    assert [{k: v for k, v in row.items() if k != "hash"} for row in second] != strip


def test_generate_row_is_a_pure_function_of_seed_and_index():
    def rows(seed):
        rng = random.Random(seed)
        return [generate_row(rng, seed, index) for index in range(50)]

    assert rows(9) == rows(9)
    assert rows(9) != rows(10)
    assert all(len(row) == len(COLUMNS) for row in rows(9))


def test_generated_rows_satisfy_every_check_constraint_of_the_real_table(db):
    """COPY into the real table would fail on any violated CHECK or NOT NULL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'c'",
            [TABLE],
        )
        checks = {name for (name,) in cursor.fetchall()}
    assert checks == {  # the proof below is only as good as the constraints in force
        "media_hash_check",
        "media_release_year_check",
        "media_imdb_id_check",
        "media_tmdb_id_check",
        "media_rt_score_check",
        "media_metascore_check",
        "media_imdb_rating_check",
    }

    written = media_generate(rows=5000, seed=42, batch=1200)

    assert written == 5000
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT hash), count(DISTINCT media_type), "
            f"count(DISTINCT pipeline_status), count(DISTINCT rejection_status) FROM {TABLE}"
        )
        total, hashes, media_types, pipeline_statuses, rejection_statuses = cursor.fetchone()
    assert total == hashes == 5000
    # The rows cover every enum label the generator knows, so the constraints
    # were exercised on varied data, not one repeated shape.
    assert media_types == 3
    assert pipeline_statuses == 10
    assert rejection_statuses == 4


def test_generated_rows_are_already_what_the_update_triggers_would_make_them(db):
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


def test_command_rows_match_the_function_for_the_same_seed(db, settings):
    settings.EMBEDDED_DATABASE = True
    call_command("media_generate", "--rows", "40", "--seed", "13")
    from_command = table_rows()
    empty_table()

    media_generate(rows=40, seed=13)

    assert table_rows() == from_command
