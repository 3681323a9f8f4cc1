"""The tables beside the service: rows written and read directly, failures made on purpose.

Everything runs on the test's own connection, inside its transaction, so the
db fixture's rollback undoes it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection

from media import change_log
from media.demo.ddl import LATEST, create_media_table
from media.demo.generate import media_insert
from media.layout import refresh_layout
from media.models import Media, MediaChange

TABLE = Media._meta.db_table
# A well-formed hash that no test gives a row.
ABSENT_HASH = "0123456789abcdef0123456789abcdef01234567"
# An updated_at long before any test runs: a change moves it.
LONG_AGO = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


# A row with every nullable column filled, to check the type of each.
FULL_ROW = {
    "media_type": "tv_show",
    "media_title": "Silent Tide",
    "season": 2,
    "episode": 7,
    "release_year": 2019,
    "pipeline_status": "complete",
    "error_status": True,
    "error_condition": "transmission: torrent stalled",
    "rejection_status": "rejected",
    "rejection_reason": "genre Horror is excluded",
    "parent_path": "/downloads/tv",
    "target_path": "/library/tv/Silent Tide",
    "original_title": "Silent Tide (S02) [1080p] [WEB-DL]",
    "original_path": "/downloads/tv/Silent Tide (S02) [1080p] [WEB-DL]",
    "original_link": "magnet:?xt=urn:btih:0",
    "rss_source": "episodefeed.com",
    "uploader": "eztv",
    "imdb_id": "tt12345678",
    "tmdb_id": 4242,
    "genre": ["Drama", "Mystery"],
    "language": ["en", "sv"],
    "rt_score": 91,
    "metascore": 77,
    "imdb_rating": Decimal("7.5"),
    "imdb_votes": 123456,
    "resolution": "1080p",
    "video_codec": "x265",
    "upload_type": "WEB-DL",
    "audio_codec": "EAC3",
    "created_at": datetime(2024, 2, 29, 23, 59, 59, 5, tzinfo=UTC),
    "updated_at": datetime(2024, 3, 1, 0, 0, 0, 0, tzinfo=UTC),
}


def make_media_table(generation: str = LATEST) -> None:
    """The pipeline's table of `generation` made anew (media/demo/sql), triggers included, with the
    change log's triggers as make run's database has them; the layout read again."""
    create_media_table(generation=generation, replace=True)
    change_log.install()
    refresh_layout()


def execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def insert_media(**values) -> Media:
    """Insert one row where the live table keeps each value; an unsaved Media to read it by."""
    media_insert([values])
    known = {field.name for field in Media._meta.concrete_fields}
    return Media(**{name: value for name, value in values.items() if name in known})


def fetch_row(hash_value: str) -> dict | None:
    """The row as the database holds it, bypassing the ORM's field conversion."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TABLE} WHERE hash = %s", [hash_value])
        columns = [col.name for col in cursor.description]
        row = cursor.fetchone()
    return dict(zip(columns, row, strict=True)) if row else None


@contextmanager
def unchanged(*hash_values: str) -> Iterator[None]:
    """The rows are after the block exactly as the database held them before it: a refused
    write, or one that did not apply, changes nothing."""
    before = [fetch_row(value) for value in hash_values]
    yield
    assert [fetch_row(value) for value in hash_values] == before


def changes(hash_value: str) -> list[MediaChange]:
    """The audit records of a row, in the order they were written."""
    return list(MediaChange.objects.filter(media_hash=hash_value).order_by("id"))


def add_change(media_hash: str, **values) -> MediaChange:
    """A history record written directly, as an earlier write left it: by default someone's
    unfiltered -> accepted long ago; `values` set the fields a test looks at."""
    defaults = {
        "old_status": "unfiltered",
        "new_status": "accepted",
        "changed_by_name": "someone",
        "changed_at": LONG_AGO,
    }
    return MediaChange.objects.create(media_hash=media_hash, **(defaults | values))


def row_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def break_reads() -> None:
    """Make every query of atp.media fail with an error that is not about its layout.

    The table becomes a view with the same columns that divides by zero. A
    renamed column would not do: the service follows it.
    """
    execute(
        f'ALTER TABLE {TABLE} RENAME TO "media_behind_view"',
        f'CREATE VIEW {TABLE} AS SELECT * FROM "{settings.MEDIA_SCHEMA}".media_behind_view '
        "WHERE 1 / (SELECT 0) = 1",
    )


def break_writes() -> None:
    """Make every UPDATE of atp.media fail, as a full disk would (a trigger that raises)."""
    execute(
        """
        CREATE FUNCTION pg_temp.refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'disk quota exceeded on tablespace atp_media';
        END;
        $$
        """,
        f"CREATE TRIGGER media_99_refuse BEFORE UPDATE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_update()",
    )
