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

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError

from media.exceptions import MediaNotFound
from media.filters import FACET_FIELDS, FacetFilter, MediaChangeFilter, MediaFilter
from media.layout import TableLayout, follows_layout
from media.models import HASH_REGEX, Media, MediaChange, Training, row_etag
from media.pagination import Page, page_of, validated

# offset + limit beyond which a page sorts keys only, then reads its rows by
# key (a deferred join). Near the top PostgreSQL's bounded sort of whole rows is
# faster; deeper, sorting keys is: at 1,000,000 rows (G0), offset 10,000 takes
# 580 ms sorting whole rows and 165 ms sorting keys (make bench data).
DEFERRED_JOIN_DEPTH = 5_000
# The row version, for ETags: the transaction that wrote this version of the row.
ROW_VERSION = RawSQL("xmin::text", ())


@contextmanager
def read_transaction():
    """One read-only REPEATABLE READ transaction (a savepoint when one is already open).

    Yields its snapshot (pg_current_snapshot()), which every query in it reads
    under: media.read_cache stores it with the response. Setting the level and
    reading the snapshot share one round trip.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                "SELECT pg_current_snapshot()::text"
            )
            cursor.nextset()
        else:
            cursor.execute("SELECT pg_current_snapshot()::text")
        snapshot = cursor.fetchone()[0]
        yield snapshot


@dataclass(frozen=True)
class MediaRow:
    """One row as served: the item's keys and values, and its ETag."""

    item: dict
    etag: str
    snapshot: str = ""


@follows_layout
def media_list(*, query: Mapping, layout: TableLayout) -> Page:
    """One page of the list for a request's query parameters (a 400 names every bad one)."""
    filterset = MediaFilter(query, queryset=Media.objects.all(), layout=layout)
    params = validated(filterset.form)
    limit, offset = params["limit"], params["offset"]
    with read_transaction() as snapshot:
        queryset = filterset.qs
        total = queryset.count()
        rows = _page_rows(queryset, layout, limit=limit, offset=offset) if offset < total else []
        items = _items(rows, layout)
    return Page(items=items, total=total, limit=limit, offset=offset, snapshot=snapshot)


@follows_layout
def media_get(*, hash: str, include_deleted: bool = False, layout: TableLayout) -> MediaRow:
    """One row by hash (any case); hidden when soft-deleted unless `include_deleted`."""
    value = hash.lower()
    # A value that cannot be a hash (a NUL byte, say) is absent without a query.
    if not HASH_REGEX.fullmatch(value):
        raise MediaNotFound(value)
    with read_transaction() as snapshot:
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
    return MediaRow(item=item, etag=_item_etag(version, row, item, layout), snapshot=snapshot)


@follows_layout
def media_probe(*, layout: TableLayout) -> None:
    """Read one row as the list does (served columns, soft-delete rule, training keys)."""
    filterset = MediaFilter({}, queryset=Media.objects.all(), layout=layout)
    with read_transaction():
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
    snapshot: str = ""  # the database snapshot they were counted under


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
        raise ValidationError({"fields": [f"The media table has no column {absent[0]}."]})
    with read_transaction() as snapshot:
        groups = list(filterset.qs.order_by().values(*fields).annotate(rows=Count("*")))
    facets = {}
    for name in dict.fromkeys(fields):
        values = layout.labels(name) or (True, False)
        counts = dict.fromkeys(values, 0)
        for group in groups:
            counts[group[name]] = counts.get(group[name], 0) + group["rows"]
        facets[name] = [{"value": value, "count": count} for value, count in counts.items()]
    return Facets(sum(group["rows"] for group in groups), facets, snapshot)


def media_change_list(*, query: Mapping) -> Page:
    """A page of the history (every write made through the service), newest first, filtered."""
    filterset = MediaChangeFilter(query, queryset=MediaChange.objects.all())
    params = validated(filterset.form)
    with read_transaction():
        return page_of(filterset.qs, limit=params["limit"], offset=params["offset"])


def _page_rows(queryset: QuerySet, layout: TableLayout, *, limit: int, offset: int) -> list:
    columns = layout.media_columns
    if offset + limit <= DEFERRED_JOIN_DEPTH:
        return list(queryset.values(*columns)[offset : offset + limit])
    hashes = list(queryset.values_list("hash", flat=True)[offset : offset + limit])
    # No ORDER BY here: the page's order is the keys' order.
    by_hash = {
        row["hash"]: row
        for row in Media.objects.filter(hash__in=hashes).order_by().values(*columns)
    }
    # A row the pipeline deleted in between is simply not on the page.
    return [by_hash[value] for value in hashes if value in by_hash]


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
