"""The `data` + `pagination` envelope of the list and the history, and the limit/offset it takes.

Links and walking through the pages are in test_pagination_links.py.
"""

import pytest
from django.urls import reverse

from tests.spec import SAMPLE_HASH
from tests.support.api import (
    BAD_LIMIT,
    BAD_OFFSET,
    get_json,
    history_path,
    invalid_query,
    link,
    newest_first,
    one_page,
    split_link,
)

MAX_OFFSET = 2**63 - 1  # PostgreSQL's bigint, the largest OFFSET it takes

# --- the envelope --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "params", "limit"),
    [(3, {"limit": 2}, 2), (101, {}, 100)],
    ids=["limit-2", "defaults-limit-100-offset-0"],
)
def test_the_first_page_has_exactly_data_and_pagination_with_its_five_keys(
    api_client, make_media, rows, params, limit
):
    made = make_media(n=rows)

    body = get_json(api_client, reverse("media-list"), params)

    assert set(body) == {"data", "pagination"}
    assert [item["hash"] for item in body["data"]] == newest_first(made)[:limit]
    assert {**body["pagination"], "next": split_link(body["pagination"]["next"])} == {
        "total": rows,
        "limit": limit,
        "offset": 0,
        "next": link(reverse("media-list"), limit=limit, offset=limit),
        "previous": None,
    }


def test_empty_table_answers_an_empty_page_with_total_zero(api_client, db):
    body = get_json(api_client, reverse("media-list"))

    assert body == {"data": [], "pagination": one_page(0)}


# --- limit and offset ----------------------------------------------------------


def test_limit_1_is_accepted_and_answers_one_row(api_client, make_media):
    rows = make_media(n=3)

    body = get_json(api_client, reverse("media-list"), {"limit": 1})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[:1]
    assert body["pagination"]["limit"] == 1
    assert body["pagination"]["total"] == 3


def test_limit_1000_is_accepted(api_client, make_media):
    rows = make_media(n=3)

    body = get_json(api_client, reverse("media-list"), {"limit": 1000})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)
    assert body["pagination"] == one_page(3, limit=1000)


REFUSED = [
    *(("limit", value) for value in ["0", "-1", "1001", "abc", "1.5", "1e3"]),
    ("limit", str(2**64)),
    ("limit", str(-(2**64))),
    ("limit", "9" * 5_000),
    *(("offset", value) for value in ["-1", "x", "2.5", str(MAX_OFFSET + 1), "9" * 30]),
    ("offset", str(2**64)),
    ("offset", str(-(2**63) - 1)),
    ("offset", "9" * 5_000),
]


@pytest.mark.parametrize(
    ("name", "value"),
    REFUSED,
    ids=[
        f"{name}-{value if len(value) < 25 else f'{len(value)}-digits'}" for name, value in REFUSED
    ],
)
@pytest.mark.parametrize("listing", ["list", "history"])
def test_limit_outside_1_to_1000_or_offset_outside_bigint_answers_400_naming_it(
    reader_client, sample_media, listing, name, value
):
    """Limits and offsets beyond 64 bits too: PostgreSQL never sees them."""
    path = reverse("media-list") if listing == "list" else history_path(SAMPLE_HASH)

    response = reader_client.get(path, {name: value})

    assert response.status_code == 400
    assert response.json() == invalid_query(**{name: BAD_LIMIT if name == "limit" else BAD_OFFSET})


def test_offset_at_the_bigint_maximum_answers_an_empty_page(api_client, make_media):
    make_media(n=2)

    body = get_json(api_client, reverse("media-list"), {"offset": MAX_OFFSET})

    assert body["data"] == []
    assert body["pagination"]["total"] == 2
    assert body["pagination"]["offset"] == MAX_OFFSET
    assert body["pagination"]["next"] is None


def test_offset_past_the_end_answers_empty_data_with_the_true_total(api_client, make_media):
    make_media(n=3)

    body = get_json(api_client, reverse("media-list"), {"offset": 10, "limit": 5})

    assert body["data"] == []
    assert body["pagination"]["total"] == 3
    assert body["pagination"]["offset"] == 10
    assert body["pagination"]["next"] is None


def test_offset_equal_to_total_answers_empty_data(api_client, make_media):
    make_media(n=3)

    body = get_json(api_client, reverse("media-list"), {"offset": 3})

    assert body["data"] == []
    assert body["pagination"]["total"] == 3


def test_bad_limit_is_reported_even_with_valid_filters(api_client, make_media):
    make_media(n=2)

    response = api_client.get(
        reverse("media-list"), {"media_type": "movie", "sort_by": "hash", "limit": 0}
    )

    assert response.status_code == 400
    assert response.json() == invalid_query(limit=BAD_LIMIT)
