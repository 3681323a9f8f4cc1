"""GET /rear-diff/media: each filter alone and combined, comma-separated enum sets, the
created_*/updated_* ranges (RFC 3339), and the 400 for a value a filter refuses."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests.spec import (
    ALL_MEDIA_TYPES,
    ALL_PIPELINE_STATUSES,
    REJECTION_STATUSES,
    media_types,
    pipeline_statuses,
)
from tests.support.api import BAD_BOOLEAN, BAD_TIME, NOT_HEX, get_json, invalid_query, one_of

# --- each filter alone and combined --------------------------------------------------------


def listed_hashes(api_client, **params):
    body = get_json(api_client, reverse("media-list"), {"limit": 1000, **params})
    return [item["hash"] for item in body["data"]]


def hashes_of(rows):
    return {row.hash for row in rows}


def enum_labels(column, generation):
    """The labels an enum column's filter takes on a generation's table."""
    return {
        "media_type": media_types(generation),
        "pipeline_status": pipeline_statuses(generation),
        "rejection_status": REJECTION_STATUSES,
    }[column]


# Every label some generation has, for each enum column the list filters on.
ENUM_FILTERS = [
    *(("media_type", label) for label in ALL_MEDIA_TYPES),
    *(("pipeline_status", label) for label in ALL_PIPELINE_STATUSES),
    *(("rejection_status", label) for label in REJECTION_STATUSES),
]

# --- each filter alone ---------------------------------------------------------


def test_no_filter_lists_every_row(api_client, make_media):
    rows = make_media(n=5)

    assert set(listed_hashes(api_client)) == hashes_of(rows)


@pytest.mark.parametrize(("column", "label"), ENUM_FILTERS)
def test_an_enum_filter_returns_exactly_the_rows_with_that_label_if_the_table_has_it(
    api_client, make_media, media_table, column, label
):
    labels = enum_labels(column, media_table)
    rows = [row for value in labels for row in make_media(n=2, **{column: value})]
    expected = {row.hash for row in rows if getattr(row, column) == label}

    response = api_client.get(reverse("media-list"), {column: label, "limit": 1000})

    if label not in labels:
        assert response.status_code == 400
        assert response.json() == invalid_query(**{column: one_of(label, labels)})
        return
    assert response.status_code == 200
    body = response.json()
    assert {item["hash"] for item in body["data"]} == expected
    assert body["pagination"]["total"] == len(expected) == 2


@pytest.mark.parametrize(("param", "error_status"), [("true", True), ("false", False)])
def test_error_status_filter_returns_exactly_the_rows_with_that_flag(
    api_client, make_media, param, error_status
):
    failed = make_media(n=2, error_status=True, error_condition="transmission: torrent stalled")
    healthy = make_media(n=3, error_status=False, error_condition=None)
    expected = hashes_of(failed if error_status else healthy)

    body = get_json(api_client, reverse("media-list"), {"error_status": param})

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

    body = get_json(api_client, reverse("media-list"), {"hash": spelling(target)})

    assert [item["hash"] for item in body["data"]] == [target]
    assert body["pagination"]["total"] == 1


def test_hash_filter_with_an_absent_hash_lists_nothing(api_client, make_media):
    make_media(n=3)

    body = get_json(api_client, reverse("media-list"), {"hash": "0" * 40})

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


@pytest.mark.parametrize(
    ("title", "others", "searches"),
    [
        ("100% Wolf", ["100 Wolf", "Wolf"], ["%", "100% w"]),
        ("Night_Shift", ["Night Shift", "NightXShift"], ["_", "t_s"]),
    ],
    ids=["percent", "underscore"],
)
def test_media_title_filter_treats_a_like_wildcard_as_a_literal_character(
    api_client, make_media, title, others, searches
):
    wanted = make_media(n=1, media_title=title)
    for other in others:
        make_media(n=1, media_title=other)

    for search in searches:
        assert set(listed_hashes(api_client, media_title=search)) == hashes_of(wanted), search


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


def decoy(column):
    """TARGET with `column` changed to its decoy value (a failed row carries its error)."""
    row = {**TARGET, column: DECOY_VALUES[column]}
    if column == "error_status":
        row["error_condition"] = "media ratings API status code: 401"
    return row


def test_all_filters_combined_return_only_rows_matching_every_one(api_client, make_media):
    targets = make_media(n=3, **TARGET)
    for column in DECOY_VALUES:
        make_media(n=1, **decoy(column))

    body = get_json(api_client, reverse("media-list"), COMBINED_PARAMS)

    assert {item["hash"] for item in body["data"]} == hashes_of(targets)
    assert body["pagination"]["total"] == 3


@pytest.mark.parametrize("column", list(DECOY_VALUES))
def test_each_filter_still_excludes_its_decoy_when_combined_with_the_others(
    api_client, make_media, column
):
    """Every other filter matches the decoy; only `column`'s filter keeps it out."""
    targets = make_media(n=2, **TARGET)
    decoys = make_media(n=1, **decoy(column))

    without_column = {k: v for k, v in COMBINED_PARAMS.items() if k != column}
    assert set(listed_hashes(api_client, **without_column)) == hashes_of(targets + decoys)
    assert set(listed_hashes(api_client, **COMBINED_PARAMS)) == hashes_of(targets)


def test_hash_filter_combined_with_a_filter_the_row_fails_lists_nothing(api_client, make_media):
    (row,) = make_media(n=1, media_type="movie")

    assert listed_hashes(api_client, hash=row.hash, media_type="movie") == [row.hash]
    assert listed_hashes(api_client, hash=row.hash, media_type="tv_season") == []


# --- values a filter refuses ---------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("media_type", "cartoon"),
        ("media_type", "MOVIE"),
        ("pipeline_status", "done"),
        ("rejection_status", "maybe"),
    ],
)
def test_a_label_outside_the_enum_answers_400_naming_the_parameter_and_its_labels(
    api_client, db, media_table, column, value
):
    response = api_client.get(reverse("media-list"), {column: value})

    assert response.status_code == 400
    assert response.json() == invalid_query(
        **{column: one_of(value, enum_labels(column, media_table))}
    )


@pytest.mark.parametrize("value", ["yes", "1", "0", "maybe", "truee"])
def test_error_status_other_than_true_or_false_answers_400(api_client, db, value):
    response = api_client.get(reverse("media-list"), {"error_status": value})

    assert response.status_code == 400
    assert response.json() == invalid_query(error_status=BAD_BOOLEAN)


@pytest.mark.parametrize(
    "value",
    ["xyz", "a" * 39, "a" * 41, "g" * 40, "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a "],
    ids=["short-word", "39-hex", "41-hex", "non-hex", "trailing-space"],
)
def test_malformed_hash_answers_400(api_client, db, value):
    response = api_client.get(reverse("media-list"), {"hash": value})

    assert response.status_code == 400
    assert response.json() == invalid_query(hash=NOT_HEX)


# --- comma-separated enum sets, created_*/updated_* ranges (RFC 3339) ----------------------


LIST_URL = reverse("media-list")
T0 = datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC)
TIME_PARAMETERS = ["created_after", "created_before", "updated_after", "updated_before"]


def listed(api_client, **params):
    response = api_client.get(LIST_URL, {"limit": 1000, **params})
    assert response.status_code == 200, response.content
    return response.json()


def hashes(body):
    return {item["hash"] for item in body["data"]}


def test_an_enum_filter_takes_a_comma_separated_set(api_client, make_media, media_table):
    rows = make_media(50, seed=51)

    body = listed(api_client, pipeline_status="downloading,downloaded,complete")

    wanted = {row.hash for row in rows if row.pipeline_status in ("downloading", "downloaded")}
    wanted |= {row.hash for row in rows if row.pipeline_status == "complete"}
    assert wanted and hashes(body) == wanted
    assert body["pagination"]["total"] == len(wanted)


def test_sets_of_several_filters_combine_with_and(api_client, make_media, media_table):
    rows = make_media(50, seed=52)

    body = listed(api_client, media_type="movie", rejection_status="accepted,override")

    assert hashes(body) == {
        row.hash
        for row in rows
        if row.media_type == "movie" and row.rejection_status in ("accepted", "override")
    }


def test_the_next_link_keeps_a_set(api_client, make_media, media_table):
    make_media(5, seed=53, pipeline_status="rejected")
    make_media(5, seed=54, pipeline_status="complete")

    body = api_client.get(LIST_URL, {"pipeline_status": "rejected,complete", "limit": 3}).json()

    assert "pipeline_status=rejected%2Ccomplete" in body["pagination"]["next"]
    assert body["pagination"]["total"] == 10


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("rejected,stuck", None),
        ("rejected,", "Give labels separated by commas, none of them empty."),
        (",", "Give labels separated by commas, none of them empty."),
        ("", "Give labels separated by commas, none of them empty."),
    ],
)
def test_a_bad_set_answers_400_naming_the_parameter(api_client, db, media_table, value, message):
    response = api_client.get(LIST_URL, {"pipeline_status": value})

    message = message or (
        "Select a valid choice. stuck is not one of: "
        + ", ".join(pipeline_statuses(media_table))
        + "."
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request",
        "details": {"pipeline_status": [message]},
    }


def test_a_set_given_twice_answers_400(api_client, db, media_table):
    response = api_client.get(f"{LIST_URL}?media_type=movie&media_type=tv_show")

    assert response.status_code == 400
    assert response.json()["details"] == {"media_type": ["Give media_type at most once."]}


@pytest.fixture
def dated(make_media, media_table):
    """Rows created an hour apart from T0 on, each updated a day after its creation."""
    rows = []
    for hour in range(5):
        created = T0 + timedelta(hours=hour)
        rows += make_media(1, seed=55, created_at=created, updated_at=created + timedelta(days=1))
    return rows


def test_created_after_includes_its_time_and_created_before_excludes_it(api_client, dated):
    body = listed(
        api_client,
        created_after=(T0 + timedelta(hours=1)).isoformat(),
        created_before=(T0 + timedelta(hours=3)).isoformat(),
    )

    assert hashes(body) == {dated[1].hash, dated[2].hash}


def test_updated_ranges_filter_on_updated_at(api_client, dated):
    body = listed(api_client, updated_after="2025-05-08T22:00:00Z")

    assert hashes(body) == {dated[2].hash, dated[3].hash, dated[4].hash}
    assert hashes(listed(api_client, updated_before="2025-05-08T21:33:57.738163Z")) == {
        dated[0].hash
    }


def test_a_time_in_any_offset_means_the_same_instant(api_client, dated):
    # 22:33:57.738163 UTC, written 17:34 behind UTC (PostgreSQL itself takes at most 15:59).
    body = listed(api_client, created_after="2025-05-07T04:59:57.738163-17:34")

    assert hashes(body) == {row.hash for row in dated[2:]}


@pytest.mark.parametrize(
    ("value", "then"),
    [
        ("2025-05-07t22:33:57.738163z", 2),  # T and Z may be lower case (RFC 3339, 5.6)
        ("2025-05-07T21:33:57.73816351Z", 2),  # digits past the microsecond round
        ("2025-05-07T21:59:60Z", 2),  # a leap second: the next minute's first
        ("2025-05-07T21:59:59.999999+23:59", 0),
        ("0001-01-01T00:00:00+05:00", 0),  # before year 1 in UTC: the earliest instant
        ("9999-12-31T23:00:00-05:00", 5),  # after 9999 in UTC: the latest
    ],
)
def test_every_rfc_3339_date_time_is_taken(api_client, dated, value, then):
    body = listed(api_client, created_after=value)

    assert hashes(body) == {row.hash for row in dated[then:]}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2025-05-07",
        "2025-05-07T20:33:57",
        "2025-05-07 20:33:57Z",
        "2025-05-07T20:33Z",
        "20250507T203357Z",
        "2025-05-07T20:33:57+0200",
        "2025-05-07T20:33:57+24:00",
        "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2025-05-07T24:00:00Z",
        "\uff12\uff10\uff12\uff15-05-07T20:33:57Z",  # digits, but not ASCII ones
    ],
)
@pytest.mark.parametrize("name", TIME_PARAMETERS)
def test_anything_but_an_rfc_3339_date_time_answers_400_naming_the_parameter(
    api_client, db, name, value
):
    """Empty included: `?updated_before=` asks for something; dropping it would answer another
    question."""
    response = api_client.get(LIST_URL, {name: value})

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": {name: [BAD_TIME]}}
