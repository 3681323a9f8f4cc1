"""GET /rear-diff/media: sort_by and sort_order, ties broken by hash, and the sorts refused.

Expected orders come from the rows each test makes, or from an independent
ORM query for orderings that depend on the database's collation.
"""

from datetime import UTC, datetime
from itertools import pairwise

import pytest
from django.urls import reverse

from media.models import Media
from tests.spec import (
    REJECTION_STATUSES,
    RSS_SOURCES,
    SORT_ORDERS,
    TRAINING_KEYS,
    media_types,
    pipeline_statuses,
    sortable_columns,
)
from tests.support.api import get_json, invalid_query, one_of

# Every column some generation can sort on.
ALL_SORTABLE = list(dict.fromkeys(sortable_columns("g1-v27") + sortable_columns("g0")))

# Columns whose order Python can compute on its own from the JSON values.
# Timestamps are fixed-width UTC strings, so text order is time order; hashes
# are lowercase hex. Free-text columns depend on the database collation and
# are compared with an ORM query instead.
NUMERIC_COLUMNS = {
    "season",
    "episode",
    "release_year",
    "tmdb_id",
    "rt_score",
    "metascore",
    "imdb_rating",
    "imdb_votes",
    "error_status",
    "budget",
    "revenue",
    "runtime",
    "tmdb_rating",
    "tmdb_votes",
}
PYTHON_ORDERED_COLUMNS = {
    "media_type",
    "pipeline_status",
    "rejection_status",
    "rss_source",
    *NUMERIC_COLUMNS,
    "created_at",
    "updated_at",
    "deleted_at",
    "hash",
}


def listed_hashes(api_client, **params):
    body = get_json(api_client, reverse("media-list"), {"limit": 1000, **params})
    return [item["hash"] for item in body["data"]]


def enum_order(generation):
    """Each enum's labels in declaration order (PostgreSQL sorts an enum by it)."""
    return {
        "media_type": media_types(generation),
        "pipeline_status": pipeline_statuses(generation),
        "rejection_status": REJECTION_STATUSES,
        "rss_source": RSS_SOURCES,
    }


def db_order(column, sort_order, **filters):
    """The order PostgreSQL gives, soft-deleted rows included (the lists below include them)."""
    sign = "-" if sort_order == "desc" else ""
    return list(
        Media.objects.filter(**filters)
        .order_by(f"{sign}{column}", f"{sign}hash")
        .values_list("hash", flat=True)
    )


def sort_key(column, value, generation):
    """PostgreSQL's default: NULLs sort as larger than any value."""
    if value is None:
        return (1, None)
    if column in (order := enum_order(generation)):
        return (0, order[column].index(value))
    return (0, value)


@pytest.fixture
def rows_with_ties(make_media):
    """Rows with at least one tie in every column and varied values.

    make_media re-seeds its generator per call but numbers hashes on, so the
    second call repeats the first call's rows under new hashes.
    """
    first = make_media(n=10, seed=3)
    twins = make_media(n=10, seed=3)
    others = make_media(n=10, seed=4)
    # original_link embeds the hash: these two share one so that column ties too.
    failed = make_media(
        n=2,
        seed=5,
        error_status=True,
        error_condition="file move failed",
        original_link="https://yts.mx/torrent/download/mirror",
    )
    # Two rows deleted at one time (and one later), where the table has soft delete.
    deleted = [
        *make_media(n=2, seed=6, deleted_at=datetime(2026, 1, 2, tzinfo=UTC)),
        *make_media(n=1, seed=6, deleted_at=datetime(2026, 1, 3, tzinfo=UTC)),
    ]
    return first + twins + others + failed + deleted


@pytest.mark.parametrize("sort_order", SORT_ORDERS)
@pytest.mark.parametrize("sort_by", ALL_SORTABLE)
def test_sort_by_orders_rows_by_the_column_and_breaks_ties_by_hash_in_the_same_direction(
    api_client, rows_with_ties, media_table, sort_by, sort_order
):
    if sort_by not in sortable_columns(media_table):
        response = api_client.get(reverse("media-list"), {"sort_by": sort_by})
        assert response.status_code == 400
        assert list(response.json()["details"]) == ["sort_by"]
        return
    params = {"sort_by": sort_by, "sort_order": sort_order, "include_deleted": "true"}
    items = get_json(api_client, reverse("media-list"), {**params, "limit": 1000})["data"]
    values = [item[sort_by] for item in items]
    hashes = [item["hash"] for item in items]

    # The test data is meaningful for this column: values vary and some tie.
    assert len(set(values)) > 1
    if sort_by != "hash":
        assert len(set(values)) < len(values)

    assert hashes == db_order(sort_by, sort_order)
    assert set(hashes) == {row.hash for row in rows_with_ties}

    descending = sort_order == "desc"
    if sort_by in PYTHON_ORDERED_COLUMNS:
        keys = [(*sort_key(sort_by, item[sort_by], media_table), item["hash"]) for item in items]
        assert keys == sorted(keys, reverse=descending)
    else:
        # Free text: the collation orders distinct values; ties and NULLs are checked here.
        nulls = [value is None for value in values]
        assert nulls == sorted(nulls, reverse=descending)
    for (value, hash_value), (next_value, next_hash) in pairwise(zip(values, hashes, strict=True)):
        if value == next_value:
            assert (next_hash < hash_value) if descending else (hash_value < next_hash)


def test_default_order_is_created_at_descending_with_ties_by_hash_descending(
    api_client, make_media
):
    rows = make_media(n=5, seed=9) + make_media(n=5, seed=9) + make_media(n=5, seed=10)
    expected = [
        row.hash for row in sorted(rows, key=lambda row: (row.created_at, row.hash), reverse=True)
    ]

    assert listed_hashes(api_client) == expected


def test_sort_order_alone_sorts_created_at_in_that_direction(api_client, make_media):
    rows = make_media(n=4, seed=9) + make_media(n=4, seed=9)
    expected = [row.hash for row in sorted(rows, key=lambda row: (row.created_at, row.hash))]

    assert listed_hashes(api_client, sort_order="asc") == expected


def test_sort_by_alone_sorts_descending(api_client, make_media):
    rows = [
        *make_media(n=3, seed=9, tmdb_id=5),
        *make_media(n=3, seed=10, tmdb_id=700),
        *make_media(n=2, seed=11, tmdb_id=42),
    ]
    # No NULLs (descending would put them first), so Python's order is the database's.
    expected = [
        row.hash for row in sorted(rows, key=lambda row: (row.tmdb_id, row.hash), reverse=True)
    ]

    assert listed_hashes(api_client, sort_by="tmdb_id") == expected


def test_sort_by_an_enum_column_follows_the_enum_declaration_order(api_client, make_media):
    # movie, tv_show, tv_season come in this order in every generation.
    seasons = make_media(n=1, media_type="tv_season")
    shows = make_media(n=1, media_type="tv_show")
    movies = make_media(n=1, media_type="movie")

    hashes = listed_hashes(api_client, sort_by="media_type", sort_order="asc")

    assert hashes == [movies[0].hash, shows[0].hash, seasons[0].hash]


def test_filters_combined_with_sorting_keep_the_filter_and_the_order(api_client, make_media):
    make_media(n=6, seed=1, media_type="movie")
    make_media(n=6, seed=2, media_type="tv_show")

    hashes = listed_hashes(api_client, media_type="movie", sort_by="release_year", sort_order="asc")

    assert hashes == db_order("release_year", "asc", media_type="movie")
    assert len(hashes) == 6


# --- sorts refused -------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("sort_by", "nonexistent"),
        ("sort_by", "-created_at"),
        ("sort_order", "up"),
        ("sort_order", "ascending"),
    ],
)
def test_a_value_outside_the_allowed_set_answers_400_naming_the_parameter_and_allowed_values(
    api_client, db, media_table, parameter, value
):
    allowed = sortable_columns(media_table) if parameter == "sort_by" else SORT_ORDERS

    response = api_client.get(reverse("media-list"), {parameter: value})

    assert response.status_code == 400
    assert response.json() == invalid_query(**{parameter: one_of(value, allowed)})


@pytest.mark.parametrize("key", TRAINING_KEYS)
@pytest.mark.tables("g2")
def test_sort_by_a_key_read_from_training_answers_400_saying_so(api_client, db, media_table, key):
    response = api_client.get(reverse("media-list"), {"sort_by": key})

    assert response.status_code == 400
    assert response.json() == invalid_query(
        sort_by=f"Cannot sort on {key}: it is read from atp.training. "
        f"Sort on one of: {', '.join(sortable_columns(media_table))}."
    )


@pytest.mark.parametrize("key", ["genre", "language"])
@pytest.mark.tables("g0")
def test_sort_by_an_array_answers_400_saying_so(api_client, db, media_table, key):
    response = api_client.get(reverse("media-list"), {"sort_by": key})

    assert response.json() == invalid_query(
        sort_by=f"Cannot sort on {key}: it is an array. "
        f"Sort on one of: {', '.join(sortable_columns(media_table))}."
    )
