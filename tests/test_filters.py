"""GET /rear-diff/media: filters, sort_by/sort_order, and the 400s for bad values.

Expected rows come from the rows each test makes (or from an independent ORM
query for orderings that depend on the database's collation), never from the
code under test.
"""

from datetime import UTC, datetime
from itertools import pairwise

import pytest

from media.models import Media
from tests.spec import (
    ALL_MEDIA_TYPES,
    ALL_PIPELINE_STATUSES,
    REJECTION_STATUSES,
    RSS_SOURCES,
    TRAINING_KEYS,
    media_types,
    pipeline_statuses,
    sortable_columns,
)

LIST_URL = "/rear-diff/media"
SORT_ORDERS = ["asc", "desc"]
# Every column some generation can sort on.
ALL_SORTABLE = list(dict.fromkeys(sortable_columns("g1-v27") + sortable_columns("g0")))


def enum_order(generation):
    """Each enum's labels in declaration order (PostgreSQL sorts an enum by it)."""
    return {
        "media_type": media_types(generation),
        "pipeline_status": pipeline_statuses(generation),
        "rejection_status": REJECTION_STATUSES,
        "rss_source": RSS_SOURCES,
    }


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


def get_list(api_client, **params):
    response = api_client.get(LIST_URL, {"limit": 1000, **params})
    assert response.status_code == 200, response.content
    return response.json()


def listed_hashes(api_client, **params):
    return [item["hash"] for item in get_list(api_client, **params)["data"]]


def invalid_body(parameter, message):
    return {"error": "Invalid request", "details": {parameter: [message]}}


def one_of_message(value, allowed):
    return f"Select a valid choice. {value} is not one of: {', '.join(allowed)}."


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


def hashes_of(rows):
    return {row.hash for row in rows}


# --- each filter alone ---------------------------------------------------------


def test_no_filter_lists_every_row(api_client, make_media):
    rows = make_media(n=5)

    assert set(listed_hashes(api_client)) == hashes_of(rows)


@pytest.mark.parametrize("media_type", ALL_MEDIA_TYPES)
def test_media_type_filter_returns_exactly_the_rows_of_that_type_if_the_table_has_the_label(
    api_client, make_media, media_table, media_type
):
    labels = media_types(media_table)
    rows = [row for value in labels for row in make_media(n=2, media_type=value)]
    expected = {row.hash for row in rows if row.media_type == media_type}

    response = api_client.get(LIST_URL, {"media_type": media_type})

    if media_type not in labels:
        assert response.json() == invalid_body("media_type", one_of_message(media_type, labels))
        return
    body = response.json()
    assert {item["hash"] for item in body["data"]} == expected
    assert body["pagination"]["total"] == len(expected) == 2


@pytest.mark.parametrize("pipeline_status", ALL_PIPELINE_STATUSES)
def test_pipeline_status_filter_returns_exactly_the_rows_in_that_status_if_the_table_has_it(
    api_client, make_media, media_table, pipeline_status
):
    labels = pipeline_statuses(media_table)
    rows = [row for value in labels for row in make_media(n=2, pipeline_status=value)]
    expected = {row.hash for row in rows if row.pipeline_status == pipeline_status}

    response = api_client.get(LIST_URL, {"pipeline_status": pipeline_status})

    if pipeline_status not in labels:
        assert response.json() == invalid_body(
            "pipeline_status", one_of_message(pipeline_status, labels)
        )
        return
    body = response.json()
    assert {item["hash"] for item in body["data"]} == expected
    assert body["pagination"]["total"] == len(expected) == 2


@pytest.mark.parametrize("rejection_status", REJECTION_STATUSES)
def test_rejection_status_filter_returns_exactly_the_rows_with_that_status(
    api_client, make_media, rejection_status
):
    rows = [row for value in REJECTION_STATUSES for row in make_media(n=2, rejection_status=value)]
    expected = {row.hash for row in rows if row.rejection_status == rejection_status}

    body = get_list(api_client, rejection_status=rejection_status)

    assert {item["hash"] for item in body["data"]} == expected
    assert body["pagination"]["total"] == len(expected) == 2


@pytest.mark.parametrize(("param", "error_status"), [("true", True), ("false", False)])
def test_error_status_filter_returns_exactly_the_rows_with_that_flag(
    api_client, make_media, param, error_status
):
    failed = make_media(n=2, error_status=True, error_condition="transmission: torrent stalled")
    healthy = make_media(n=3, error_status=False, error_condition=None)
    expected = hashes_of(failed if error_status else healthy)

    body = get_list(api_client, error_status=param)

    assert {item["hash"] for item in body["data"]} == expected
    assert {item["error_status"] for item in body["data"]} == {error_status}
    assert body["pagination"]["total"] == len(expected)


def test_imdb_id_filter_is_an_exact_match(api_client, make_media):
    wanted = make_media(n=2, imdb_id="tt1234567")
    make_media(n=1, imdb_id="tt12345678")  # starts with the wanted id: not a match
    make_media(n=1, imdb_id="tt7654321")
    make_media(n=1, imdb_id=None)

    assert set(listed_hashes(api_client, imdb_id="tt1234567")) == hashes_of(wanted)


@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.swapcase])
def test_hash_filter_finds_the_row_whatever_the_case_of_the_hash(api_client, make_media, spelling):
    rows = make_media(n=4)
    target = rows[2].hash
    # A hash of only digits reads the same in every case; make sure this one has letters.
    assert target != target.upper()

    body = get_list(api_client, hash=spelling(target))

    assert [item["hash"] for item in body["data"]] == [target]
    assert body["pagination"]["total"] == 1


def test_hash_filter_with_an_absent_hash_lists_nothing(api_client, make_media):
    make_media(n=3)

    body = get_list(api_client, hash="0" * 40)

    assert body["data"] == []
    assert body["pagination"]["total"] == 0


def test_media_title_filter_is_a_case_insensitive_substring_match(api_client, make_media):
    fire_road = make_media(n=1, media_title="Fire Road")
    campfire = make_media(n=1, media_title="CAMPFIRE Stories")
    ember = make_media(n=1, media_title="the fireflies")
    make_media(n=1, media_title="Water World")
    make_media(n=1, media_title=None)

    hashes = set(listed_hashes(api_client, media_title="fIrE"))

    assert hashes == hashes_of(fire_road + campfire + ember)


def test_media_title_filter_treats_percent_as_a_literal_character(api_client, make_media):
    percent = make_media(n=1, media_title="100% Wolf")
    make_media(n=1, media_title="100 Wolf")
    make_media(n=1, media_title="Wolf")

    assert set(listed_hashes(api_client, media_title="%")) == hashes_of(percent)
    assert set(listed_hashes(api_client, media_title="100% w")) == hashes_of(percent)


def test_media_title_filter_treats_underscore_as_a_literal_character(api_client, make_media):
    underscore = make_media(n=1, media_title="Night_Shift")
    make_media(n=1, media_title="Night Shift")
    make_media(n=1, media_title="NightXShift")

    assert set(listed_hashes(api_client, media_title="_")) == hashes_of(underscore)
    assert set(listed_hashes(api_client, media_title="t_s")) == hashes_of(underscore)


# --- filters combined ----------------------------------------------------------

TARGET = {
    "media_type": "tv_show",
    "pipeline_status": "complete",
    "rejection_status": "accepted",
    "error_status": False,
    "error_condition": None,
    "imdb_id": "tt1234567",
    "media_title": "Storm Front",
}
# For each filter, a value that differs from TARGET's in that column only.
DECOY_VALUES = {
    "media_type": "movie",
    "pipeline_status": "downloaded",
    "rejection_status": "override",
    "error_status": True,
    "imdb_id": "tt7654321",
    "media_title": "Calm Waters",
}
COMBINED_PARAMS = {
    "media_type": "tv_show",
    "pipeline_status": "complete",
    "rejection_status": "accepted",
    "error_status": "false",
    "imdb_id": "tt1234567",
    "media_title": "sTORM",
}


def test_all_filters_combined_return_only_rows_matching_every_one(api_client, make_media):
    targets = make_media(n=3, **TARGET)
    for column, value in DECOY_VALUES.items():
        decoy = {**TARGET, column: value}
        if column == "error_status":
            decoy["error_condition"] = "media ratings API status code: 401"
        make_media(n=1, **decoy)

    body = get_list(api_client, **COMBINED_PARAMS)

    assert {item["hash"] for item in body["data"]} == hashes_of(targets)
    assert body["pagination"]["total"] == 3


@pytest.mark.parametrize("column", list(DECOY_VALUES))
def test_each_filter_still_excludes_its_decoy_when_combined_with_the_others(
    api_client, make_media, column
):
    """Every other filter matches the decoy; only `column`'s filter keeps it out."""
    targets = make_media(n=2, **TARGET)
    decoy = {**TARGET, column: DECOY_VALUES[column]}
    if column == "error_status":
        decoy["error_condition"] = "media ratings API status code: 401"
    decoys = make_media(n=1, **decoy)

    without_column = {k: v for k, v in COMBINED_PARAMS.items() if k != column}
    assert set(listed_hashes(api_client, **without_column)) == hashes_of(targets + decoys)
    assert set(listed_hashes(api_client, **COMBINED_PARAMS)) == hashes_of(targets)


def test_hash_filter_combined_with_a_filter_the_row_fails_lists_nothing(api_client, make_media):
    (row,) = make_media(n=1, media_type="movie")

    assert listed_hashes(api_client, hash=row.hash, media_type="movie") == [row.hash]
    assert listed_hashes(api_client, hash=row.hash, media_type="tv_season") == []


def test_filters_combined_with_sorting_keep_the_filter_and_the_order(api_client, make_media):
    make_media(n=6, seed=1, media_type="movie")
    make_media(n=6, seed=2, media_type="tv_show")

    hashes = listed_hashes(api_client, media_type="movie", sort_by="release_year", sort_order="asc")

    assert hashes == db_order("release_year", "asc", media_type="movie")
    assert len(hashes) == 6


# --- sorting -------------------------------------------------------------------


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
        response = api_client.get(LIST_URL, {"sort_by": sort_by})
        assert response.status_code == 400
        assert list(response.json()["details"]) == ["sort_by"]
        return
    items = get_list(api_client, sort_by=sort_by, sort_order=sort_order, include_deleted="true")[
        "data"
    ]
    values = [item[sort_by] for item in items]
    hashes = [item["hash"] for item in items]

    # The test data is meaningful for this column: values vary and some tie.
    assert len(set(values)) > 1
    if sort_by != "hash":
        assert len(set(values)) < len(values)

    assert hashes == db_order(sort_by, sort_order)
    assert set(hashes) == hashes_of(rows_with_ties)

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


# --- invalid parameters --------------------------------------------------------


INVALID_VALUES = [
    ("media_type", "cartoon"),
    ("media_type", "MOVIE"),
    ("pipeline_status", "done"),
    ("rejection_status", "maybe"),
    ("sort_by", "nonexistent"),
    ("sort_by", "-created_at"),
    ("sort_order", "up"),
    ("sort_order", "ascending"),
]


def allowed_values(parameter, generation):
    return {
        "media_type": media_types(generation),
        "pipeline_status": pipeline_statuses(generation),
        "rejection_status": REJECTION_STATUSES,
        "sort_by": sortable_columns(generation),
        "sort_order": SORT_ORDERS,
    }[parameter]


@pytest.mark.parametrize(("parameter", "value"), INVALID_VALUES)
def test_a_value_outside_the_allowed_set_answers_400_naming_the_parameter_and_allowed_values(
    api_client, db, media_table, parameter, value
):
    allowed = allowed_values(parameter, media_table)

    response = api_client.get(LIST_URL, {parameter: value})

    assert response.status_code == 400
    assert response.json() == invalid_body(parameter, one_of_message(value, allowed))


@pytest.mark.parametrize("key", TRAINING_KEYS)
@pytest.mark.tables("g2")
def test_sort_by_a_key_read_from_training_answers_400_saying_so(api_client, db, media_table, key):
    response = api_client.get(LIST_URL, {"sort_by": key})

    assert response.status_code == 400
    assert response.json() == invalid_body(
        "sort_by",
        f"Cannot sort on {key}: it is read from atp.training. "
        f"Sort on one of: {', '.join(sortable_columns(media_table))}.",
    )


@pytest.mark.parametrize("key", ["genre", "language"])
@pytest.mark.tables("g0")
def test_sort_by_an_array_answers_400_saying_so(api_client, db, media_table, key):
    response = api_client.get(LIST_URL, {"sort_by": key})

    assert response.json() == invalid_body(
        "sort_by",
        f"Cannot sort on {key}: it is an array. "
        f"Sort on one of: {', '.join(sortable_columns(media_table))}.",
    )


@pytest.mark.parametrize("value", ["yes", "1", "0", "maybe", "truee"])
def test_error_status_other_than_true_or_false_answers_400(api_client, db, value):
    response = api_client.get(LIST_URL, {"error_status": value})

    assert response.status_code == 400
    assert response.json() == invalid_body("error_status", "Must be true or false.")


@pytest.mark.parametrize(
    "value",
    ["xyz", "a" * 39, "a" * 41, "g" * 40, "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a "],
    ids=["short-word", "39-hex", "41-hex", "non-hex", "trailing-space"],
)
def test_malformed_hash_answers_400(api_client, db, value):
    response = api_client.get(LIST_URL, {"hash": value})

    assert response.status_code == 400
    assert response.json() == invalid_body("hash", "Must be 40 hexadecimal characters.")


def test_every_bad_filter_parameter_is_named_in_one_answer(api_client, db, media_table):
    response = api_client.get(
        LIST_URL, {"media_type": "cartoon", "sort_order": "up", "hash": "xyz"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request",
        "details": {
            "media_type": [one_of_message("cartoon", media_types(media_table))],
            "sort_order": [one_of_message("up", SORT_ORDERS)],
            "hash": ["Must be 40 hexadecimal characters."],
        },
    }
