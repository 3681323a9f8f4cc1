"""The item the list and retrieve serve: the 32 keys by name, each with its JSON type.

Expected values are the rows each test makes, as docs/table.md types them
(tests/spec.py), never what the serializer computes.
"""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.spec import COLUMNS, EXTRA_KEYS, INTEGER_COLUMNS, NOT_NULL_COLUMNS, STRING_COLUMNS
from tests.support.api import TIMESTAMP, get_json, item_path
from tests.support.rows import FULL_ROW


def test_every_item_carries_all_32_columns_by_name_then_the_extras_of_the_table(
    api_client, make_media, sample_media, media_table
):
    make_media(n=4)

    items = get_json(api_client, reverse("media-list"))["data"]

    assert len(items) == 5
    assert len(COLUMNS) == len(set(COLUMNS)) == 32
    for item in items:
        assert list(item) == [*COLUMNS, *EXTRA_KEYS[media_table]]


def test_filled_row_serves_each_column_with_its_json_type(api_client, make_media):
    (row,) = make_media(n=1, **FULL_ROW)

    item = get_json(api_client, item_path(row.hash))

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

    response = api_client.get(item_path(row.hash))

    assert response.json()["imdb_rating"] == 8.0
    assert type(response.json()["imdb_rating"]) is float
    assert b'"imdb_rating":"' not in response.content.replace(b" ", b"")


def test_nullable_columns_left_empty_are_json_null(api_client, make_media):
    nullable = [column for column in COLUMNS if column not in NOT_NULL_COLUMNS]
    (row,) = make_media(n=1, **dict.fromkeys(nullable))

    item = get_json(api_client, item_path(row.hash))

    assert len(nullable) == 24
    assert {column: item[column] for column in nullable} == dict.fromkeys(nullable)


def test_empty_arrays_are_served_as_empty_json_arrays(api_client, make_media):
    (row,) = make_media(n=1, genre=[], language=[])

    item = get_json(api_client, item_path(row.hash))

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

    item = get_json(api_client, item_path(row.hash))

    assert item["created_at"] == item["updated_at"] == served
    assert TIMESTAMP.match(served)


def test_every_listed_timestamp_has_the_utc_z_format(api_client, make_media):
    make_media(n=10)

    items = get_json(api_client, reverse("media-list"))["data"]

    for item in items:
        assert TIMESTAMP.match(item["created_at"]), item["created_at"]
        assert TIMESTAMP.match(item["updated_at"]), item["updated_at"]
