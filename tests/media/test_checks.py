"""The drift check (media/checks.py) against the real table of each generation, changed for real.

Every change runs as DDL inside the test's transaction, which the db fixture
rolls back. Only a missing table or a missing required column is an error;
what the service will serve as null or not serve is a warning naming it.
"""

import pytest
from django.core.checks import ERROR, WARNING
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from media.checks import check_media_table
from media.models import Media
from tests.spec import TRAINING_KEYS
from tests.support.rows import TABLE, execute

REQUIRED = ["hash", "rejection_status", "rejection_reason", "updated_at", "created_at"]


def run_check():
    return check_media_table(databases=["default"])


def summary(messages):
    return sorted((message.id, message.level) for message in messages)


def test_check_is_clean_against_every_generation_of_the_real_table(db, media_table):
    assert run_check() == []


def test_check_command_passes_against_every_generation(db, media_table, capsys):
    call_command("check", "--database", "default")

    assert "System check identified no issues" in capsys.readouterr().out


def test_check_does_nothing_without_a_database(db):
    assert check_media_table(databases=None) == []


@pytest.mark.parametrize("column", REQUIRED)
def test_check_reports_a_missing_required_column_as_an_error(db, media_table, column):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN {column} CASCADE")

    messages = run_check()

    assert summary(messages) == [("media.E003", ERROR)]
    assert f"{TABLE}.{column} is missing" in messages[0].msg
    assert messages[0].obj is Media


def test_check_command_fails_naming_a_missing_required_column(db, media_table):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN rejection_reason")

    with pytest.raises(SystemCheckError, match=r"media\.E003.*rejection_reason"):
        call_command("check", "--database", "default")


@pytest.mark.parametrize("column", ["uploader", "media_title", "pipeline_status"])
def test_check_reports_a_missing_optional_column_as_a_key_served_as_null(db, media_table, column):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN {column}")

    messages = run_check()

    assert summary(messages) == [("media.W003", WARNING)]
    assert f"Key {column} has no source" in messages[0].msg
    assert "served as null" in messages[0].msg


def test_check_command_passes_with_warnings_only(db, media_table, capsys):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN uploader")

    call_command("check", "--database", "default")

    assert "media.W003" in capsys.readouterr().err


@pytest.mark.tables("g2")
def test_check_warns_for_each_key_g2_reads_from_training_when_training_is_gone(db, media_table):
    execute(f'DROP TABLE "{TABLE.split(".")[0].strip(chr(34))}".training CASCADE')

    messages = run_check()

    assert summary(messages) == [("media.W003", WARNING)] * len(TRAINING_KEYS)
    assert sorted(message.msg.split()[1] for message in messages) == sorted(TRAINING_KEYS)


def test_check_reports_an_unknown_extra_column_as_not_served(db, media_table):
    execute(f"ALTER TABLE {TABLE} ADD COLUMN subtitle_language varchar(10)")

    messages = run_check()

    assert summary(messages) == [("media.W002", WARNING)]
    assert "subtitle_language" in messages[0].msg
    assert "not served" in messages[0].msg


def test_check_reports_a_missing_table(db, media_table):
    execute(f'ALTER TABLE {TABLE} RENAME TO "media_moved"')

    messages = run_check()

    assert summary(messages) == [("media.E002", ERROR)]
    assert TABLE in messages[0].msg


@pytest.mark.parametrize(
    "statements",
    [
        ["""ALTER TYPE "atp".media_type ADD VALUE 'documentary'"""],
        [
            """ALTER TYPE "atp".rejection_status RENAME TO rejection_status_v1""",
            """CREATE TYPE "atp".rejection_status AS ENUM ('unfiltered', 'accepted', 'rejected')""",
            f"ALTER TABLE {TABLE} ALTER COLUMN rejection_status DROP DEFAULT",
            f"""ALTER TABLE {TABLE} ALTER COLUMN rejection_status TYPE "atp".rejection_status
                USING rejection_status::text::"atp".rejection_status""",
        ],
    ],
    ids=["label-added", "label-dropped"],
)
def test_check_is_clean_when_enum_labels_change_the_service_follows_them(
    db, media_table, statements
):
    execute(*statements)

    assert run_check() == []
