"""Query strings the list and history refuse: a 400 in the read shape naming each bad parameter.

NUL bytes (PostgreSQL refuses them in text), bytes that are not UTF-8, values
far over any limit, a parameter given twice, several bad parameters at once:
a client can make the service answer a 400, never a 5xx. Each value a filter,
sort or page refuses is in that test file; limits beyond 64 bits are in
test_pagination.py.
"""

import pytest
from django.urls import reverse

from tests.spec import SAMPLE_HASH, SORT_ORDERS, media_types
from tests.support.api import (
    BAD_LIMIT,
    BAD_OFFSET,
    EMPTY_VALUE,
    NOT_HEX,
    history_path,
    invalid_query,
    item_path,
    one_of,
)

# A valid value for every query parameter of the list.
VALID_LIST_PARAMETERS = {
    "media_type": "movie",
    "pipeline_status": "complete",
    "rejection_status": "accepted",
    "error_status": "false",
    "imdb_id": "tt2759766",
    "hash": SAMPLE_HASH,
    "media_title": "Under",
    "sort_by": "release_year",
    "sort_order": "asc",
    "limit": "10",
    "offset": "0",
}


def list_query(query):
    return f"{reverse('media-list')}?{query}"


def assert_invalid_query(response, name):
    """400 in the read shape, naming exactly `name`."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "details"}
    assert body["error"] == "Invalid request"
    assert list(body["details"]) == [name]
    assert all(isinstance(message, str) and message for message in body["details"][name])


def given_twice(name):
    return f"Give {name} at most once."


# --- NUL bytes -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VALID_LIST_PARAMETERS))
@pytest.mark.parametrize("spelling", ["nul-alone", "nul-after-a-valid-value"])
def test_nul_byte_in_any_list_parameter_answers_400_naming_it(api_client, db, name, spelling):
    value = "%00" if spelling == "nul-alone" else f"{VALID_LIST_PARAMETERS[name]}%00"

    response = api_client.get(list_query(f"{name}={value}"))

    assert_invalid_query(response, name)


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_nul_byte_in_history_paging_answers_400_naming_it(reader_client, sample_media, name):
    response = reader_client.get(f"{history_path(SAMPLE_HASH)}?{name}=1%00")

    assert_invalid_query(response, name)


def test_nul_byte_in_an_unknown_parameter_is_ignored_like_any_unknown_parameter(
    api_client, sample_media
):
    response = api_client.get(list_query("note%00=%00"))

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 1


# --- invalid UTF-8 -------------------------------------------------------------


@pytest.mark.parametrize("name", ["media_title", "imdb_id"])
@pytest.mark.parametrize(
    "raw", ["%ff%fe", "%c0%80", "%ed%a0%80"], ids=["ff-fe", "overlong-nul", "surrogate"]
)
def test_invalid_utf8_in_a_free_text_parameter_is_an_odd_but_valid_query(
    api_client, sample_media, name, raw
):
    """Django decodes a query string with U+FFFD for bad bytes: a search that matches nothing."""
    response = api_client.get(list_query(f"{name}={raw}"))

    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize(
    "name",
    [name for name in VALID_LIST_PARAMETERS if name not in {"media_title", "imdb_id"}],
)
def test_invalid_utf8_in_a_constrained_parameter_answers_400_naming_it(api_client, db, name):
    response = api_client.get(list_query(f"{name}=%ff%fe"))

    assert_invalid_query(response, name)


# --- very long values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "length", "message"),
    [
        ("media_title", 100_000, "Ensure this value has at most 255 characters (it has 100000)."),
        ("imdb_id", 1_000, "Ensure this value has at most 10 characters (it has 1000)."),
    ],
)
def test_very_long_text_parameter_answers_400_naming_it(api_client, db, name, length, message):
    response = api_client.get(list_query(f"{name}={'a' * length}"))

    assert response.status_code == 400
    assert response.json() == invalid_query(**{name: message})


@pytest.mark.parametrize(
    "name", ["hash", "media_type", "pipeline_status", "rejection_status", "sort_by", "sort_order"]
)
def test_very_long_constrained_parameter_answers_400_naming_it(api_client, db, name):
    response = api_client.get(list_query(f"{name}={'a' * 10_000}"))

    assert_invalid_query(response, name)


# --- a parameter given twice ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("media_type=movie&media_type=tv_show", "media_type"),
        ("media_type=movie&media_type=movie", "media_type"),
        ("limit=1&limit=2", "limit"),
        ("offset=0&offset=10", "offset"),
        ("sort_by=hash&sort_by=release_year", "sort_by"),
        ("media_title=a&media_title=b", "media_title"),
        ("error_status=true&error_status=false", "error_status"),
    ],
)
def test_repeated_list_parameter_answers_400_naming_it(api_client, db, query, name):
    response = api_client.get(list_query(query))

    assert response.status_code == 400
    assert response.json() == invalid_query(**{name: given_twice(name)})


def test_repeated_history_limit_answers_400_naming_it(reader_client, sample_media):
    response = reader_client.get(f"{history_path(SAMPLE_HASH)}?limit=1&limit=2")

    assert response.status_code == 400
    assert response.json() == invalid_query(limit=given_twice("limit"))


# --- a parameter given empty ------------------------------------------------------------
# `?limit=` asks for something: where the parameter's type has no empty value, it is a bad
# value (400), not an absent parameter. Date-times are refused with their format's message.


@pytest.mark.parametrize(
    "name", ["error_status", "hash", "include_deleted", "sort_by", "sort_order", "limit", "offset"]
)
def test_an_empty_list_parameter_without_an_empty_value_answers_400_naming_it(api_client, db, name):
    response = api_client.get(list_query(f"{name}="))

    assert response.status_code == 400
    assert response.json() == invalid_query(**{name: EMPTY_VALUE})


@pytest.mark.parametrize("name", ["media_title", "imdb_id"])
def test_empty_free_text_is_a_value_that_filters_nothing_out(api_client, sample_media, name):
    response = api_client.get(list_query(f"{name}="))

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 1


@pytest.mark.parametrize(
    "path", [history_path(SAMPLE_HASH) + "?limit=", item_path(SAMPLE_HASH) + "?include_deleted="]
)
def test_an_empty_parameter_of_the_item_or_its_history_answers_400(
    reader_client, sample_media, path
):
    name = path.rsplit("?", 1)[1].rstrip("=")

    response = reader_client.get(path)  # the history needs a user

    assert response.status_code == 400
    assert response.json() == invalid_query(**{name: EMPTY_VALUE})


# --- every bad parameter in one answer -----------------------------------------------


def test_every_bad_filter_parameter_is_named_in_one_answer(api_client, db, media_table):
    response = api_client.get(
        reverse("media-list"), {"media_type": "cartoon", "sort_order": "up", "hash": "xyz"}
    )

    assert response.status_code == 400
    assert response.json() == invalid_query(
        media_type=one_of("cartoon", media_types(media_table)),
        sort_order=one_of("up", SORT_ORDERS),
        hash=NOT_HEX,
    )


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("limit=0&offset=-1", {"limit": BAD_LIMIT, "offset": BAD_OFFSET}),
        ("sort_order=up&limit=1001", {"sort_order": one_of("up", SORT_ORDERS), "limit": BAD_LIMIT}),
        ("hash=abc&limit=1&limit=2", {"hash": NOT_HEX, "limit": given_twice("limit")}),
        ("hash=abc&offset=0&offset=1", {"hash": NOT_HEX, "offset": given_twice("offset")}),
    ],
    ids=["bad-limit-and-offset", "bad-sort-and-limit", "repeated-limit", "repeated-offset"],
)
def test_a_bad_paging_parameter_is_named_beside_every_other_bad_parameter(
    api_client, db, query, details
):
    """The contract's 400 names each bad parameter, not only the first one found."""
    response = api_client.get(list_query(query))

    assert response.status_code == 400, response.content
    assert response.json() == invalid_query(**details)
