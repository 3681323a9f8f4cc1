"""Reads of the pipeline's table: a page of the list, one row, readiness's probe.

The selectors know the live table (media.layout): which columns to select,
which keys come from atp.training (by imdb_id, for the rows read only), the
soft-delete rule, and the sort strategy. Each read runs in one read-only
REPEATABLE READ transaction, so a page and its `total` agree.
"""

import hashlib
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.expressions import RawSQL

from media import change_log
from media.change_log import Reading, Validity
from media.errors import InvalidRequest, MediaNotFound
from media.filters import (
    DEFAULT_SORT_BY,
    DEFAULT_SORT_ORDER,
    FACET_FIELDS,
    FacetFilter,
    MediaChangeFilter,
    MediaFilter,
)
from media.forms import validated
from media.layout import LayoutMoved, TableLayout, follows_layout
from media.models import HASH_REGEX, Media, MediaChange, Training, row_etag

# A page's items as PostgreSQL renders them, one JSON array in the page's order:
# the keys of the page (`position` their place), each row's served keys as a
# record (its column names are the item's keys, in order), atp.training joined
# for the keys that live there. One text value reaches Python, not 32 values a
# row: this took a 1,000-row page from ~40 to ~10 ms of Python (docs/performance.md).
ITEMS_SQL = """
SELECT '[' || coalesce(string_agg(row_to_json(item)::text, ',' ORDER BY page.position), '') || ']'
FROM unnest(%s::{hash_type}[]) WITH ORDINALITY AS page(hash, position)
JOIN {media} m ON m.hash = page.hash{training}
CROSS JOIN LATERAL (SELECT {keys}) AS item
"""
# The contract's timestamp (as utc_timestamp formats it: six fractional digits, Z).
TIMESTAMP_SQL = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
# A numeric as Python's float prints it (json_value): no trailing zeros, but `.0` when whole.
NUMERIC_SQL = (
    "(CASE WHEN {0} = trunc({0}) THEN trunc({0})::text || '.0' "
    "ELSE trim_scale({0})::text END)::json"
)
# The row version, for ETags: the transaction that wrote this version of the row.
ROW_VERSION = RawSQL("xmin::text", ())


@contextmanager
def read_transaction(layout: TableLayout | None = None):
    """One read-only REPEATABLE READ transaction (a savepoint when one is already open).

    Yields a Reading: its snapshot (pg_current_snapshot()), which every query in
    it reads under, and, given the layout of a database that has the change log
    (media.change_log), the log's state; media.read_cache stores both with the
    response. Setting the level and reading both share one round trip.
    """
    outermost = not connection.in_atomic_block
    query = (
        change_log.reading_sql()
        if layout is not None and layout.change_log
        else "SELECT pg_current_snapshot()::text, '', false, ''"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; " + query)
            cursor.nextset()
        else:
            cursor.execute(query)
        reading = Reading(*cursor.fetchone())
        if layout is not None:
            if reading.catalog != layout.catalog:
                # Migrated since the layout was read: read it again (follows_layout).
                raise LayoutMoved(f"catalogue {layout.catalog} is now {reading.catalog}")
            change_log.explain_once(reading)
        yield reading


@dataclass(frozen=True)
class Page:
    items: list
    total: int  # matching rows over all pages
    limit: int
    offset: int
    validity: object = None  # what it rests on (media.change_log.Validity), when it was read so


def page_of(rows, *, limit: int, offset: int) -> Page:
    """One page of a queryset (or anything with count() and slicing)."""
    total = rows.count()
    items = list(rows[offset : offset + limit]) if offset < total else []
    return Page(items=items, total=total, limit=limit, offset=offset)


@dataclass(frozen=True)
class MediaRow:
    """One row as served: the item's keys and values, and its ETag."""

    item: dict
    etag: str
    validity: Validity | None = None


@follows_layout
def media_list(*, query: Mapping, layout: TableLayout) -> Page:
    """One page of the list for a request's query parameters (a 400 names every bad one).

    Its items are one JSON array, as text, rendered by PostgreSQL (ITEMS_SQL).
    """
    filterset = MediaFilter(query, queryset=Media.objects.all(), layout=layout)
    params = validated(filterset.form)
    limit, offset = params["limit"], params["offset"]
    with read_transaction(layout) as reading:
        queryset = filterset.qs
        total = queryset.count()
        # The page sorts keys only, then reads its rows by key (a deferred join);
        # each key's sort value and imdb id say what would change the page.
        sort = params["sort_by"] or DEFAULT_SORT_BY
        columns = dict.fromkeys(("hash", sort, "imdb_id"))
        keys = list(queryset.values(*columns)[offset : offset + limit]) if offset < total else []
        items = _items_json([key["hash"] for key in keys], layout) if keys else "[]"
    validity = reading.validity(
        lambda: _page_affects(queryset, keys, layout, sort, params["sort_order"])
    )
    return Page(items=items, total=total, limit=limit, offset=offset, validity=validity)


def _page_affects(queryset, keys, layout, sort, sort_order) -> str:
    """What would change this page: its rows as the list filters and sorts them, and on G2
    the training rows of its movies."""
    affects = change_log.page_affects(
        queryset,
        sort=sort,
        descending=(sort_order or DEFAULT_SORT_ORDER) == "desc",
        first=keys[0] if keys else None,
        last=keys[-1] if keys else None,
    )
    if layout.training_keys:
        affects += " OR " + change_log.training_affects(key.get("imdb_id") for key in keys)
    return affects


@follows_layout
def media_get(*, hash: str, include_deleted: bool = False, layout: TableLayout) -> MediaRow:
    """One row by hash (any case); hidden when soft-deleted unless `include_deleted`."""
    value = hash.lower()
    # A value that cannot be a hash (a NUL byte, say) is absent without a query.
    if not HASH_REGEX.fullmatch(value):
        raise MediaNotFound(value)
    with read_transaction(layout) as reading:
        found = list(
            Media.objects.visible(layout=layout, include_deleted=include_deleted)
            .filter(hash=value)
            .order_by()
            .annotate(row_version=ROW_VERSION)
            .values(*layout.media_columns, "row_version")
        )
        if not found:
            raise MediaNotFound(value)
        row = found[0]
        version = row.pop("row_version")
        item = _items([row], layout)[0]
    validity = reading.validity(
        lambda: change_log.item_affects(value, row.get("imdb_id"), bool(layout.training_keys))
    )
    return MediaRow(item=item, etag=_item_etag(version, row, item, layout), validity=validity)


@follows_layout
def media_probe(*, layout: TableLayout) -> None:
    """Read one row as the list does (served columns, soft-delete rule, training keys)."""
    filterset = MediaFilter({}, queryset=Media.objects.all(), layout=layout)
    with read_transaction(layout):
        _items(list(filterset.qs.order_by().values(*layout.media_columns)[:1]), layout)


def media_served(*, rows: list[dict], layout: TableLayout) -> list[MediaRow]:
    """Rows of media columns with their `row_version` (a write's re-read) as served, with ETags.

    Keys that are not columns of the table (the version, the write's time) are left out.
    """
    columns = [{key: row[key] for key in layout.media_columns} for row in rows]
    return [
        MediaRow(item=item, etag=_item_etag(row["row_version"], row, item, layout))
        for row, item in zip(rows, _items(columns, layout), strict=True)
    ]


def _item_etag(version: str, row: Mapping, item: Mapping, layout: TableLayout) -> str:
    """The row's version, then a digest of the item as served and the layout it was read with.

    The row's version alone misses what the body reads elsewhere: atp.training's
    row (a new rt_score leaves the media row as it was) and the table's layout
    (a dropped column, an enum label that changes allowed_actions).
    """
    served = repr((layout.fingerprint, list(item.items()))).encode()
    digest = hashlib.blake2b(served, digest_size=8).hexdigest()
    return row_etag(version, row.get("updated_at"), digest)


@dataclass(frozen=True)
class Facets:
    total: int
    facets: dict[str, list[dict]]  # column -> [{"value": ..., "count": ...}] in label order
    validity: Validity | None = None  # what the counts rest on (media.change_log)


@follows_layout
def media_facets(*, query: Mapping, layout: TableLayout) -> Facets:
    """Counts of the filtered rows per value of each asked column, zeros included.

    One statement: the rows grouped by the combination of the asked columns (a
    few hundred groups at most), summed here per column. PostgreSQL counts the
    combinations in one pass, in parallel where it can, like a COUNT(*) would.
    """
    filterset = FacetFilter(query, queryset=Media.objects.all(), layout=layout)
    fields = validated(filterset.form)["fields"] or [
        name for name in FACET_FIELDS if name in layout.media
    ]
    absent = [name for name in fields if name not in layout.media]
    if absent:
        raise InvalidRequest({"fields": [f"The media table has no column {absent[0]}."]})
    with read_transaction(layout) as reading:
        groups = list(filterset.qs.order_by().values(*fields).annotate(rows=Count("*")))
    validity = reading.validity(lambda: change_log.facets_affects(filterset.qs, fields))
    facets = {}
    for name in dict.fromkeys(fields):
        values = layout.labels(name) or (True, False)
        counts = dict.fromkeys(values, 0)
        for group in groups:
            counts[group[name]] = counts.get(group[name], 0) + group["rows"]
        facets[name] = [{"value": value, "count": count} for value, count in counts.items()]
    return Facets(sum(group["rows"] for group in groups), facets, validity)


def media_change_list(*, query: Mapping) -> Page:
    """A page of the history (every write made through the service), newest first, filtered."""
    filterset = MediaChangeFilter(query, queryset=MediaChange.objects.all())
    params = validated(filterset.form)
    with read_transaction():
        return page_of(filterset.qs, limit=params["limit"], offset=params["offset"])


def _items_json(hashes: list[str], layout: TableLayout) -> str:
    """The rows of these hashes as the list serves them, one JSON array in their order.

    The same items as _items() and MediaSerializer make of a row, byte for byte
    (tests/api assert the list's bodies on every generation). A row the
    pipeline deleted in between is simply not on the page.
    """
    quote = connection.ops.quote_name
    keys = []
    for key, source in layout.sources.items():
        if source is None:
            value = "NULL::text"
        else:
            alias = "m" if source.table == "media" else "t"
            column = getattr(layout, source.table)[source.column]
            value = f"{alias}.{quote(source.column)}"
            if column.type == "timestamp with time zone":
                value = TIMESTAMP_SQL.format(value)
            elif column.type.startswith("numeric"):
                value = NUMERIC_SQL.format(value)
        keys.append(f"{value} AS {quote(key)}")
    schema = quote(settings.MEDIA_SCHEMA)
    training = ""
    if layout.training_keys:
        training = f"\nLEFT JOIN {schema}.training t ON t.imdb_id = m.imdb_id"
    sql = ITEMS_SQL.format(
        hash_type=layout.media["hash"].type,
        media=f"{schema}.media",
        training=training,
        keys=", ".join(keys),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [hashes])
        return cursor.fetchone()[0]


def _items(rows: list[dict], layout: TableLayout) -> list[dict]:
    """Rows of media columns -> items of served keys: training keys joined, missing keys null."""
    training = _training_rows((row.get("imdb_id") for row in rows), layout)
    items = []
    for row in rows:
        joined = training.get(row.get("imdb_id"), {})
        item = {}
        for key, source in layout.sources.items():
            if source is None:
                item[key] = None
            elif source.table == "media":
                item[key] = row[source.column]
            else:
                item[key] = joined.get(source.column)
        items.append(item)
    return items


def _training_rows(imdb_ids: Iterable[str | None], layout: TableLayout) -> dict[str, dict]:
    """atp.training's rows for these imdb ids (one query), keyed by imdb id."""
    columns = sorted(set(layout.training_keys.values()))
    wanted = {value for value in imdb_ids if value}
    if not columns or not wanted:
        return {}
    rows = Training.objects.filter(imdb_id__in=wanted).values("imdb_id", *columns)
    return {row["imdb_id"]: row for row in rows}
