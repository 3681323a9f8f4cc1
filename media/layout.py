"""The media table as it is now, read from PostgreSQL's catalogue and followed as it changes.

The pipeline migrates `atp.media` on its own schedule (docs/table.md, "Migrations
while the service runs"). Everything that depends on the table's shape (the
columns a query selects, the enum labels a filter accepts, what `sort_by`
takes, soft delete, the OpenAPI enums, the drift check, readiness) reads one
`TableLayout`. Each process keeps the last one it read and checks a fingerprint
of the catalogue every MEDIA_LAYOUT_CHECK_SECONDS; a query that fails on a
column that vanished re-reads it at once and runs again (`follows_layout`).
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, wraps
from typing import Literal

from django.conf import settings
from django.db import DatabaseError, connection
from psycopg import errors as pg_errors

from media.metrics import LAYOUT_CHANGES
from media.models import Media

logger = logging.getLogger(__name__)

# The item's keys in the contract's order (docs/api.md, "List media").
CONTRACT_KEYS = (
    "hash",
    "media_type",
    "media_title",
    "season",
    "episode",
    "release_year",
    "pipeline_status",
    "error_status",
    "error_condition",
    "rejection_status",
    "rejection_reason",
    "parent_path",
    "target_path",
    "original_title",
    "original_path",
    "original_link",
    "rss_source",
    "uploader",
    "imdb_id",
    "tmdb_id",
    "genre",
    "language",
    "rt_score",
    "metascore",
    "imdb_rating",
    "imdb_votes",
    "resolution",
    "video_codec",
    "upload_type",
    "audio_codec",
    "created_at",
    "updated_at",
)
# What the service cannot live without: the key, the one column it writes and
# the one the triggers clear with it, the ETag's clock, the default sort.
REQUIRED_COLUMNS = ("hash", "rejection_status", "rejection_reason", "updated_at", "created_at")

Table = Literal["media", "training"]
# Where a key lives when the live table lacks a column of its name, in order of
# preference: G1 keeps languages as `spoken_languages` on the row, G2 moved the
# metadata to atp.training (joined by imdb_id).
ELSEWHERE: dict[str, tuple[tuple[Table, str], ...]] = {
    "language": (("media", "spoken_languages"), ("training", "spoken_languages")),
    "genre": (("training", "genre"),),
    "rt_score": (("training", "rt_score"),),
    "metascore": (("training", "metascore"),),
    "imdb_rating": (("training", "imdb_rating"),),
    "imdb_votes": (("training", "imdb_votes"),),
}
ENUM_FILTER_COLUMNS = ("media_type", "pipeline_status", "rejection_status")

# One row per live column of the media and training tables, enum labels
# included; the fingerprint is a digest of exactly these rows.
CATALOGUE_SQL = """
SELECT c.relname::text AS relname, c.oid::bigint AS relid, a.attnum, a.attname::text,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.atttypid::bigint,
       t.typcategory = 'A' AS is_array,
       CASE WHEN t.typtype = 'e' THEN t.typname::text END AS enum_type,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e
             WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder) AS labels
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid IN (to_regclass(%(media)s), to_regclass(%(training)s))
  AND a.attnum > 0 AND NOT a.attisdropped
"""
# The change log's functions (media.change_log) are part of what is served: a
# database the service's migrations have not reached yet has none.
FINGERPRINT_SQL = f"""
SELECT md5(coalesce(string_agg(cat::text, '|' ORDER BY cat.relid, cat.attnum), '')
           || coalesce(to_regprocedure(%(change_log)s)::text, '')),
       to_regprocedure(%(change_log)s) IS NOT NULL
FROM ({CATALOGUE_SQL}) cat
"""  # noqa: S608 (constants only)
# The errors a query meets when the table changed under a stale layout: a
# dropped column or table, a re-created enum.
LAYOUT_ERRORS = (
    pg_errors.UndefinedColumn,
    pg_errors.UndefinedTable,
    pg_errors.UndefinedObject,
    pg_errors.InvalidTextRepresentation,
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as format_type() spells it
    not_null: bool
    is_array: bool
    enum_type: str | None  # the enum's name, for an enum column
    labels: tuple[str, ...]  # the enum's labels in their order; () otherwise


@dataclass(frozen=True)
class Source:
    table: Table
    column: str


@dataclass(frozen=True)
class TableLayout:
    """The media table (and atp.training) as the catalogue described them at `read_at`."""

    media: Mapping[str, Column]  # in table order; empty when the table is missing
    training: Mapping[str, Column]  # empty when atp.training is missing
    fingerprint: str
    read_at: datetime = field(compare=False)
    change_log: bool = False  # the change log's functions exist (media.change_log)
    # Their version of the catalogue this layout was read from (change_log_state's
    # `catalog`); a read transaction that finds another re-reads the layout.
    catalog: str = ""

    @property
    def exists(self) -> bool:
        return bool(self.media)

    @cached_property
    def sources(self) -> dict[str, Source | None]:
        """Every key the service serves now, with where its value comes from (None: nowhere).

        The 32 contract keys always, then the known extra columns the table has.
        """
        sources: dict[str, Source | None] = {key: self._source(key) for key in CONTRACT_KEYS}
        for model_field in Media._meta.concrete_fields:
            if model_field.column not in sources and model_field.column in self.media:
                sources[model_field.column] = Source("media", model_field.column)
        return sources

    def _source(self, key: str) -> Source | None:
        if key in self.media:
            return Source("media", key)
        for table, column in ELSEWHERE.get(key, ()):
            if table == "media" and column in self.media:
                return Source("media", column)
            if table == "training" and column in self.training and self.joins_training:
                return Source("training", column)
        return None

    @property
    def joins_training(self) -> bool:
        return "imdb_id" in self.media and "imdb_id" in self.training

    @cached_property
    def media_columns(self) -> tuple[str, ...]:
        """The media table's columns a read selects, in table order."""
        wanted = {s.column for s in self.sources.values() if s and s.table == "media"}
        if self.joins_training and any(s and s.table == "training" for s in self.sources.values()):
            wanted.add("imdb_id")
        return tuple(name for name in self.media if name in wanted)

    @cached_property
    def training_keys(self) -> dict[str, str]:
        """Key -> atp.training column, for the keys read from there."""
        return {k: s.column for k, s in self.sources.items() if s and s.table == "training"}

    @property
    def soft_delete(self) -> bool:
        return "deleted_at" in self.media

    @cached_property
    def sortable(self) -> tuple[str, ...]:
        """The table's own scalar columns the service serves under their name."""
        return tuple(
            name
            for name, column in self.media.items()
            if self.sources.get(name) == Source("media", name) and not column.is_array
        )

    @cached_property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(name for name in REQUIRED_COLUMNS if name not in self.media)

    @cached_property
    def unserved(self) -> tuple[str, ...]:
        """Columns of the live table that no served key reads (nobody told the service)."""
        used = {s.column for s in self.sources.values() if s and s.table == "media"}
        return tuple(name for name in self.media if name not in used)

    def labels(self, column: str) -> tuple[str, ...] | None:
        """The live enum labels of `column`; None when it is not an enum (or is missing)."""
        found = self.media.get(column)
        return found.labels if found and found.enum_type else None


def read_layout(using_connection=None) -> TableLayout:
    """Read the layout from the catalogue (pg_attribute, pg_enum), never from the tables."""
    conn = using_connection or connection
    names = _table_names()
    with conn.cursor() as cursor:
        # The fingerprint first: if the table changes between the two reads,
        # the next check sees a new fingerprint and reads the layout again.
        cursor.execute(FINGERPRINT_SQL, names)
        fingerprint, change_log = cursor.fetchone()
        cursor.execute(CATALOGUE_SQL + " ORDER BY c.relname, a.attnum", names)
        rows = cursor.fetchall()
        catalog = ""
        if change_log:
            cursor.execute(f"SELECT s.catalog FROM {names['change_log']} s")  # noqa: S608
            catalog = cursor.fetchone()[0]
    tables: dict[str, dict[str, Column]] = {"media": {}, "training": {}}
    for relname, _relid, _attnum, name, type_, not_null, _typid, is_array, enum, labels in rows:
        tables[relname][name] = Column(name, type_, not_null, is_array, enum, tuple(labels))
    return TableLayout(
        media=tables["media"],
        training=tables["training"],
        fingerprint=fingerprint,
        read_at=datetime.now(UTC),
        change_log=change_log,
        catalog=catalog,
    )


def read_fingerprint(using_connection=None) -> str:
    with (using_connection or connection).cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL, _table_names())
        return cursor.fetchone()[0]


def _table_names() -> dict[str, str]:
    schema = connection.ops.quote_name(settings.MEDIA_SCHEMA)
    own = connection.ops.quote_name(settings.DJANGO_SCHEMA)
    return {
        "media": f"{schema}.media",
        "training": f"{schema}.training",
        "change_log": f"{own}.change_log_state()",
    }


class LiveLayout:
    """The process's current layout: read once, re-checked by fingerprint every few seconds."""

    def __init__(self):
        self._layout: TableLayout | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> TableLayout:
        layout = self._layout
        if (
            layout is not None
            and time.monotonic() - self._checked < settings.MEDIA_LAYOUT_CHECK_SECONDS
        ):
            return layout
        with self._lock:
            if self._layout is None:
                return self._read()
            if time.monotonic() - self._checked >= settings.MEDIA_LAYOUT_CHECK_SECONDS:
                self._checked = time.monotonic()
                if read_fingerprint() != self._layout.fingerprint:
                    return self._read()
            return self._layout

    def forget(self) -> None:
        """Read the layout again at the next use."""
        with self._lock:
            self._layout = None

    def refresh(self) -> TableLayout:
        with self._lock:
            return self._read()

    def _read(self) -> TableLayout:
        previous = self._layout
        self._layout = read_layout()
        self._checked = time.monotonic()
        if previous is not None and previous.fingerprint != self._layout.fingerprint:
            LAYOUT_CHANGES.inc()
            logger.info(
                "The media table changed; serving its new layout.",
                extra={"layout_fingerprint": self._layout.fingerprint},
            )
        return self._layout


live_layout = LiveLayout()


def current_layout() -> TableLayout:
    return live_layout.get()


def refresh_layout() -> TableLayout:
    return live_layout.refresh()


class LayoutMoved(DatabaseError):
    """A read found the catalogue at another version than the layout it was given."""


def layout_changed(exc: DatabaseError) -> bool:
    """Whether an error is what a stale layout meets."""
    return isinstance(exc, LayoutMoved) or isinstance(exc.__cause__, LAYOUT_ERRORS)


def follows_layout(func: Callable) -> Callable:
    """Run `func(..., layout=<current layout>)`; if the table changed under it, re-read, retry once.

    `func` must run its queries in its own transaction (or savepoint), so a
    failed first attempt leaves nothing behind.
    """

    @wraps(func)
    def wrapper(*args, layout: TableLayout | None = None, **kwargs):
        if layout is not None:
            # Part of a larger read or write, which retries as a whole.
            return func(*args, layout=layout, **kwargs)
        try:
            return func(*args, layout=current_layout(), **kwargs)
        except DatabaseError as exc:
            if not layout_changed(exc):
                raise
            logger.info(
                "A query met a changed media table (%s); retrying with its new layout.", exc
            )
        return func(*args, layout=refresh_layout(), **kwargs)

    return wrapper
