"""The drift check (media/checks.py) against the real table, changed for real.

Every change runs as DDL inside the test's transaction, which the db fixture
rolls back. `ALTER TYPE ... ADD VALUE` may run in a transaction block since
PostgreSQL 12 (the new label only cannot be *used* before commit, and the
check only reads pg_enum); dropping a label has no DDL at all, so those tests
swap the column onto a replacement enum type, as a pipeline migration would.
"""

import pytest
from django.core.checks import ERROR, WARNING
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from media.checks import check_media_table
from media.models import Media

TABLE = Media._meta.db_table


def execute(*statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def run_check():
    return check_media_table(databases=["default"])


def summary(messages):
    return sorted((message.id, message.level) for message in messages)


def test_check_is_clean_against_the_real_table(db):
    assert run_check() == []


def test_check_command_passes_against_the_real_table(db, capsys):
    call_command("check", "--database", "default")

    assert "System check identified no issues" in capsys.readouterr().out


def test_check_does_nothing_without_a_database(db):
    assert check_media_table(databases=None) == []


def test_check_reports_a_missing_column_by_name(db):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN uploader")

    messages = run_check()

    assert summary(messages) == [("media.E003", ERROR)]
    assert "uploader" in messages[0].msg
    assert messages[0].obj is Media


def test_check_command_fails_naming_a_missing_column(db):
    execute(f"ALTER TABLE {TABLE} DROP COLUMN uploader")

    with pytest.raises(SystemCheckError, match=r"media\.E003.*uploader"):
        call_command("check", "--database", "default")


def test_check_reports_an_unmapped_extra_column_as_a_warning(db):
    execute(f"ALTER TABLE {TABLE} ADD COLUMN subtitle_language varchar(10)")

    messages = run_check()

    assert summary(messages) == [("media.W002", WARNING)]
    assert "subtitle_language" in messages[0].msg


def test_check_reports_a_missing_table(db):
    execute(f'ALTER TABLE {TABLE} RENAME TO "media_moved"')

    messages = run_check()

    assert summary(messages) == [("media.E002", ERROR)]
    assert TABLE in messages[0].msg


def test_check_reports_an_enum_label_added_in_place(db):
    execute("""ALTER TYPE "atp".media_type ADD VALUE 'unknown'""")

    messages = run_check()

    assert summary(messages) == [("media.W001", WARNING)]
    assert "'unknown'" in messages[0].msg
    assert "media_type" in messages[0].msg


def test_check_reports_unknown_labels_of_a_replacement_enum(db):
    """The pipeline's later media_type: tv_episode_pack and unknown added."""
    execute(
        """ALTER TYPE "atp".media_type RENAME TO media_type_v1""",
        """CREATE TYPE "atp".media_type AS ENUM
           ('movie', 'tv_show', 'tv_season', 'tv_episode_pack', 'unknown')""",
        f"""ALTER TABLE {TABLE} ALTER COLUMN media_type TYPE "atp".media_type
            USING media_type::text::"atp".media_type""",
    )

    messages = run_check()

    assert summary(messages) == [("media.W001", WARNING), ("media.W001", WARNING)]
    texts = " ".join(message.msg for message in messages)
    assert "'tv_episode_pack'" in texts
    assert "'unknown'" in texts


def test_check_reports_a_dropped_label_the_model_offers_as_an_error(db):
    """The pipeline's later pipeline_status: queued dropped, two labels added."""
    execute(
        """ALTER TYPE "atp".pipeline_status RENAME TO pipeline_status_v1""",
        """CREATE TYPE "atp".pipeline_status AS ENUM (
               'ingested', 'paused', 'parsed', 'metadata_collected', 'rejected',
               'file_accepted', 'media_accepted', 'downloading', 'downloaded',
               'transferred', 'complete')""",
        f"ALTER TABLE {TABLE} ALTER COLUMN pipeline_status DROP DEFAULT",
        f"""ALTER TABLE {TABLE} ALTER COLUMN pipeline_status TYPE "atp".pipeline_status
            USING pipeline_status::text::"atp".pipeline_status""",
        f"ALTER TABLE {TABLE} ALTER COLUMN pipeline_status SET DEFAULT 'ingested'",
    )

    messages = run_check()

    errors = [message for message in messages if message.level == ERROR]
    assert [message.id for message in errors] == ["media.E005"]
    assert "'queued'" in errors[0].msg
    assert "pipeline_status" in errors[0].msg
    warnings = sorted(message.msg for message in messages if message.level == WARNING)
    assert len(warnings) == 2
    assert "'file_accepted'" in warnings[0]
    assert "'media_accepted'" in warnings[1]


def test_check_command_fails_on_a_dropped_label(db):
    execute(
        """ALTER TYPE "atp".rejection_status RENAME TO rejection_status_v1""",
        """CREATE TYPE "atp".rejection_status AS ENUM ('unfiltered', 'accepted', 'rejected')""",
        f"ALTER TABLE {TABLE} ALTER COLUMN rejection_status DROP DEFAULT",
        f"""ALTER TABLE {TABLE} ALTER COLUMN rejection_status TYPE "atp".rejection_status
            USING rejection_status::text::"atp".rejection_status""",
    )

    with pytest.raises(SystemCheckError, match=r"media\.E005.*'override'"):
        call_command("check", "--database", "default")


def test_check_reports_an_enum_column_moved_to_another_enum_type(db):
    execute(
        """CREATE TYPE "atp".media_kind AS ENUM ('movie', 'tv_show', 'tv_season')""",
        f"""ALTER TABLE {TABLE} ALTER COLUMN media_type TYPE "atp".media_kind
            USING media_type::text::"atp".media_kind""",
    )

    messages = run_check()

    assert summary(messages) == [("media.E004", ERROR)]
    assert "media_type" in messages[0].msg
    assert "media_kind" in messages[0].msg


def test_check_reports_an_enum_column_turned_into_text(db):
    execute(f"ALTER TABLE {TABLE} ALTER COLUMN rss_source TYPE text")

    messages = run_check()

    assert summary(messages) == [("media.E004", ERROR)]
    assert "rss_source" in messages[0].msg


@pytest.mark.parametrize(
    ("column", "new_type"),
    [
        ("media_title", "text"),
        ("uploader", "varchar(40)"),
        ("imdb_rating", "numeric(4,1)"),
        ("tmdb_id", "bigint"),
        ("hash", "varchar(40)"),
        ("genre", "text[]"),
        ("created_at", "timestamp"),
    ],
)
def test_check_reports_a_type_change_by_column_name(db, column, new_type):
    execute(f"ALTER TABLE {TABLE} ALTER COLUMN {column} TYPE {new_type}")

    messages = run_check()

    assert summary(messages) == [("media.E004", ERROR)]
    assert f".{column} " in messages[0].msg


def test_check_command_fails_naming_a_type_change(db):
    execute(f"ALTER TABLE {TABLE} ALTER COLUMN media_title TYPE text")

    with pytest.raises(SystemCheckError, match=r"media\.E004.*media_title"):
        call_command("check", "--database", "default")


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER COLUMN media_title SET NOT NULL",
        "ALTER COLUMN original_title DROP NOT NULL",
        "ALTER COLUMN error_status DROP NOT NULL",
    ],
    ids=["media_title-not-null", "original_title-nullable", "error_status-nullable"],
)
def test_check_reports_a_nullability_change_by_column_name(db, statement):
    column = statement.split()[2]
    execute(f"ALTER TABLE {TABLE} {statement}")

    messages = run_check()

    assert summary(messages) == [("media.E006", ERROR)]
    assert f".{column} " in messages[0].msg
