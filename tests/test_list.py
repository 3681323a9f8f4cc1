"""GET /rear-diff/media and /rear-diff/media/{hash}: paths, item shape and JSON types."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.spec import COLUMNS, EXTRA_KEYS, as_served

LIST_URL = "/rear-diff/media"
SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

INTEGER_COLUMNS = [
    "season",
    "episode",
    "release_year",
    "tmdb_id",
    "rt_score",
    "metascore",
    "imdb_votes",
]
STRING_COLUMNS = [
    "hash",
    "media_type",
    "media_title",
    "pipeline_status",
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
    "resolution",
    "video_codec",
    "upload_type",
    "audio_codec",
]
# "null: no" in media-table.md.
NOT_NULL_COLUMNS = {
    "hash",
    "media_type",
    "pipeline_status",
    "error_status",
    "rejection_status",
    "original_title",
    "created_at",
    "updated_at",
}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

# The sample row of media-table.md as the API must serve it: "other fields null".
# The actions the sample row (rejected, rejected, no error) allows on each table
# (operator-actions.md): approve needs media_accepted (G1 on), delete deleted_at (G1 v24 on).
SAMPLE_ALLOWED = {
    "g0": ["re-ingest", "override"],
    "g1-v23": ["re-ingest", "override", "approve"],
    "g2": ["re-ingest", "override", "approve", "delete"],
}
SAMPLE_BODY = {
    "hash": SAMPLE_HASH,
    "media_type": "movie",
    "media_title": "40 Under 40",
    "season": None,
    "episode": None,
    "release_year": 2013,
    "pipeline_status": "rejected",
    "error_status": False,
    "error_condition": "media ratings API status code: 401",
    "rejection_status": "rejected",
    "rejection_reason": "resolution 720p is not in allowed_values",
    "parent_path": None,
    "target_path": None,
    "original_title": "40 Under 40 (2013) [720p] [WEBRip] [YTS.MX]",
    "original_path": None,
    "original_link": "https://yts.mx/torrent/download/EB50F630702E8A59EF6ECFAF9F5EECAE7A9856A1",
    "rss_source": None,
    "uploader": None,
    "imdb_id": "tt2759766",
    "tmdb_id": 802473,
    "genre": ["Documentary"],
    "language": ["en"],
    "rt_score": None,
    "metascore": None,
    "imdb_rating": None,
    "imdb_votes": None,
    "resolution": "720p",
    "video_codec": None,
    "upload_type": "WEBRip",
    "audio_codec": None,
    "created_at": "2025-05-07T20:33:57.738163Z",
    "updated_at": "2025-05-07T20:33:57.738163Z",
}

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


def sample_item(generation):
    """GET /rear-diff/media/{hash} of the sample row: the list's item and its allowed actions."""
    return {**as_served(SAMPLE_BODY, generation), "allowed_actions": SAMPLE_ALLOWED[generation]}


def get_json(api_client, url, **params):
    response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- paths ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST_URL, f"{LIST_URL}/"], ids=["no-slash", "slash"])
def test_list_answers_200_with_and_without_trailing_slash_without_redirect(
    api_client, sample_media, url
):
    response = api_client.get(url)

    assert response.status_code == 200
    assert "Location" not in response
    assert [item["hash"] for item in response.json()["data"]] == [SAMPLE_HASH]


@pytest.mark.parametrize(
    "url",
    [f"{LIST_URL}/{SAMPLE_HASH}", f"{LIST_URL}/{SAMPLE_HASH}/"],
    ids=["no-slash", "slash"],
)
def test_retrieve_answers_200_with_and_without_trailing_slash_without_redirect(
    api_client, sample_media, media_table, url
):
    response = api_client.get(url)

    assert response.status_code == 200
    assert "Location" not in response
    assert response.json() == sample_item(media_table)


# --- the sample row --------------------------------------------------------------


def test_retrieve_answers_the_whole_sample_row(api_client, sample_media, media_table):
    body = get_json(api_client, f"{LIST_URL}/{SAMPLE_HASH}")

    assert body == sample_item(media_table)


def test_retrieve_finds_the_sample_row_by_its_uppercased_hash(
    api_client, sample_media, media_table
):
    body = get_json(api_client, f"{LIST_URL}/{SAMPLE_HASH.upper()}")

    assert body == sample_item(media_table)


def test_list_item_of_the_sample_row_is_the_same_whole_body(api_client, sample_media, media_table):
    body = get_json(api_client, LIST_URL)

    assert body["data"] == [as_served(SAMPLE_BODY, media_table)]


@pytest.mark.parametrize(
    "absent",
    ["0" * 40, SAMPLE_HASH[:-1] + "0", "not-a-hash"],
    ids=["zeros", "one-digit-off", "malformed"],
)
def test_retrieve_of_an_absent_hash_answers_404_in_the_read_error_shape(
    api_client, sample_media, absent
):
    response = api_client.get(f"{LIST_URL}/{absent}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "Media not found",
        "details": f"No media found with hash: {absent.lower()}",
    }


def test_retrieve_of_a_hash_with_a_nul_character_answers_404_not_a_database_error(
    api_client, sample_media
):
    """A NUL can never be in a stored hash; PostgreSQL refuses it as a query parameter."""
    response = api_client.get(f"{LIST_URL}/{SAMPLE_HASH[:-1]}%00")

    assert response.status_code == 404
    assert set(response.json()) == {"error", "details"}


def test_retrieve_on_an_empty_table_answers_404(api_client, db):
    response = api_client.get(f"{LIST_URL}/{SAMPLE_HASH}")

    assert response.status_code == 404
    assert set(response.json()) == {"error", "details"}


# --- JSON field names and types ----------------------------------------------------


def test_every_item_carries_all_32_columns_by_name_then_the_extras_of_the_table(
    api_client, make_media, sample_media, media_table
):
    make_media(n=4)

    items = get_json(api_client, LIST_URL)["data"]

    assert len(items) == 5
    assert len(COLUMNS) == len(set(COLUMNS)) == 32
    for item in items:
        assert list(item) == [*COLUMNS, *EXTRA_KEYS[media_table]]


def test_filled_row_serves_each_column_with_its_json_type(api_client, make_media):
    (row,) = make_media(n=1, **FULL_ROW)

    item = get_json(api_client, f"{LIST_URL}/{row.hash}")

    assert {key: item[key] for key in COLUMNS} == {
        **FULL_ROW,
        "hash": row.hash,
        "imdb_rating": 7.5,
        "created_at": "2024-02-29T23:59:59.000005Z",
        "updated_at": "2024-03-01T00:00:00.000000Z",
    }
    for column in INTEGER_COLUMNS:
        assert type(item[column]) is int, column
    for column in STRING_COLUMNS:
        assert type(item[column]) is str, column
    assert type(item["error_status"]) is bool
    assert type(item["imdb_rating"]) is float
    for column in ["genre", "language"]:
        assert type(item[column]) is list
        assert all(type(value) is str for value in item[column])


def test_imdb_rating_is_a_json_number_not_a_string(api_client, make_media):
    (row,) = make_media(n=1, imdb_rating=Decimal("8.0"))

    response = api_client.get(f"{LIST_URL}/{row.hash}")

    assert response.json()["imdb_rating"] == 8.0
    assert type(response.json()["imdb_rating"]) is float
    assert b'"imdb_rating":"' not in response.content.replace(b" ", b"")


def test_nullable_columns_left_empty_are_json_null(api_client, make_media):
    nullable = [column for column in COLUMNS if column not in NOT_NULL_COLUMNS]
    (row,) = make_media(n=1, **dict.fromkeys(nullable))

    item = get_json(api_client, f"{LIST_URL}/{row.hash}")

    assert len(nullable) == 24
    assert {column: item[column] for column in nullable} == dict.fromkeys(nullable)


def test_empty_arrays_are_served_as_empty_json_arrays(api_client, make_media):
    (row,) = make_media(n=1, genre=[], language=[])

    item = get_json(api_client, f"{LIST_URL}/{row.hash}")

    assert (item["genre"], item["language"]) == ([], [])


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        (datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC), "2025-05-07T20:33:57.738163Z"),
        (datetime(2025, 1, 1, 0, 0, 0, 0, tzinfo=UTC), "2025-01-01T00:00:00.000000Z"),
        (datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC), "2025-01-01T00:00:00.000001Z"),
        # Stored from another zone: served in UTC.
        (
            datetime(2025, 1, 1, 1, 30, 0, 500000, tzinfo=timezone(timedelta(hours=2))),
            "2024-12-31T23:30:00.500000Z",
        ),
    ],
    ids=["sample", "whole-second", "one-microsecond", "other-zone"],
)
def test_timestamps_are_iso_8601_utc_with_z_and_six_fraction_digits(
    api_client, make_media, stored, served
):
    (row,) = make_media(n=1, created_at=stored, updated_at=stored)

    item = get_json(api_client, f"{LIST_URL}/{row.hash}")

    assert item["created_at"] == item["updated_at"] == served
    assert TIMESTAMP.match(served)


def test_every_listed_timestamp_has_the_utc_z_format(api_client, make_media):
    make_media(n=10)

    items = get_json(api_client, LIST_URL)["data"]

    for item in items:
        assert TIMESTAMP.match(item["created_at"]), item["created_at"]
        assert TIMESTAMP.match(item["updated_at"]), item["updated_at"]


# --- representations ---------------------------------------------------------------


def test_json_is_the_default_representation(api_client, sample_media):
    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def assert_browsable_api_page(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Django REST framework" in html
    return html


@pytest.mark.parametrize("url", [LIST_URL, f"{LIST_URL}/"], ids=["no-slash", "slash"])
def test_a_browser_gets_the_list_as_the_browsable_api(api_client, make_media, sample_media, url):
    make_media(n=3)  # more rows than one page, so the page controls render too

    response = api_client.get(url, {"limit": 2, "sort_by": "hash"}, HTTP_ACCEPT=BROWSER_ACCEPT)

    assert_browsable_api_page(response)


@pytest.mark.parametrize(
    "url",
    [f"{LIST_URL}/{SAMPLE_HASH}", f"{LIST_URL}/{SAMPLE_HASH}/"],
    ids=["no-slash", "slash"],
)
def test_a_browser_gets_one_row_as_the_browsable_api(api_client, sample_media, url):
    response = api_client.get(url, HTTP_ACCEPT=BROWSER_ACCEPT)

    html = assert_browsable_api_page(response)
    assert SAMPLE_HASH in html
    assert "40 Under 40 (2013) [720p] [WEBRip] [YTS.MX]" in html
