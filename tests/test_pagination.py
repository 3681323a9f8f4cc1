"""GET /rear-diff/media: the `data` + `pagination` envelope, limit/offset, next/previous."""

from urllib.parse import parse_qs, urlsplit

import pytest

from media.models import Media

LIST_URL = "/rear-diff/media"
MAX_OFFSET = 2**63 - 1  # PostgreSQL's bigint, the largest OFFSET it takes


def get_list(api_client, url=LIST_URL, params=None):
    response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def split_link(link):
    """A next/previous link as (path, {param: value}); asserts it is path-absolute."""
    parts = urlsplit(link)
    assert link.startswith("/rear-diff/")
    assert (parts.scheme, parts.netloc, parts.fragment) == ("", "", "")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    assert all(len(values) == 1 for values in query.values()), link
    return parts.path, {name: values[0] for name, values in query.items()}


def link(path, **params):
    return (path, {name: str(value) for name, value in params.items()})


def newest_first(rows):
    return [row.hash for row in sorted(rows, key=lambda r: (r.created_at, r.hash), reverse=True)]


def invalid_body(parameter, message):
    return {"error": "Invalid request", "details": {parameter: [message]}}


# --- the envelope --------------------------------------------------------------


def test_envelope_has_exactly_data_and_pagination_with_its_five_keys(api_client, make_media):
    rows = make_media(n=3)

    body = get_list(api_client, params={"limit": 2})

    assert set(body) == {"data", "pagination"}
    assert [item["hash"] for item in body["data"]] == newest_first(rows)[:2]
    assert {**body["pagination"], "next": split_link(body["pagination"]["next"])} == {
        "total": 3,
        "limit": 2,
        "offset": 0,
        "next": link(LIST_URL, limit=2, offset=2),
        "previous": None,
    }


def test_empty_table_answers_an_empty_page_with_total_zero(api_client, db):
    body = get_list(api_client)

    assert body == {
        "data": [],
        "pagination": {"total": 0, "limit": 100, "offset": 0, "next": None, "previous": None},
    }


def test_defaults_are_limit_100_and_offset_0(api_client, make_media):
    rows = make_media(n=101)

    body = get_list(api_client)

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[:100]
    assert {**body["pagination"], "next": split_link(body["pagination"]["next"])} == {
        "total": 101,
        "limit": 100,
        "offset": 0,
        "next": link(LIST_URL, limit=100, offset=100),
        "previous": None,
    }


def test_middle_page_has_both_links_and_the_right_rows(api_client, make_media):
    rows = make_media(n=7)

    body = get_list(api_client, params={"limit": 2, "offset": 2})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[2:4]
    pagination = body["pagination"]
    assert (pagination["total"], pagination["limit"], pagination["offset"]) == (7, 2, 2)
    assert split_link(pagination["next"]) == link(LIST_URL, limit=2, offset=4)
    # Back to the first page: DRF drops offset rather than writing offset=0.
    assert split_link(pagination["previous"]) == link(LIST_URL, limit=2)


def test_last_page_has_no_next_link(api_client, make_media):
    rows = make_media(n=5)

    body = get_list(api_client, params={"limit": 2, "offset": 4})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[4:]
    assert body["pagination"]["next"] is None
    assert split_link(body["pagination"]["previous"]) == link(LIST_URL, limit=2, offset=2)


def test_a_page_ending_exactly_at_the_last_row_has_no_next_link(api_client, make_media):
    make_media(n=4)

    body = get_list(api_client, params={"limit": 2, "offset": 2})

    assert len(body["data"]) == 2
    assert body["pagination"]["next"] is None


def test_first_page_has_no_previous_link(api_client, make_media):
    make_media(n=3)

    body = get_list(api_client, params={"limit": 1, "offset": 0})

    assert body["pagination"]["previous"] is None
    assert split_link(body["pagination"]["next"]) == link(LIST_URL, limit=1, offset=1)


def test_links_keep_the_trailing_slash_spelling_of_the_request(api_client, make_media):
    make_media(n=3)

    body = get_list(api_client, url=f"{LIST_URL}/", params={"limit": 1, "offset": 1})

    assert split_link(body["pagination"]["next"]) == link(f"{LIST_URL}/", limit=1, offset=2)
    assert split_link(body["pagination"]["previous"]) == link(f"{LIST_URL}/", limit=1)


def test_links_are_path_absolute_even_when_the_request_names_a_host(api_client, make_media):
    make_media(n=3)

    response = api_client.get(LIST_URL, {"limit": 1, "offset": 1}, HTTP_HOST="localhost:8000")

    assert response.status_code == 200
    pagination = response.json()["pagination"]
    assert pagination["next"].startswith("/rear-diff/media?")
    assert pagination["previous"].startswith("/rear-diff/media?")
    assert "localhost" not in pagination["next"] + pagination["previous"]


def test_next_and_previous_keep_every_filter_and_sort_parameter(api_client, make_media):
    title = "Fire & Ice 100%_"
    make_media(
        n=3,
        media_type="movie",
        pipeline_status="complete",
        rejection_status="accepted",
        error_status=False,
        error_condition=None,
        imdb_id="tt1234567",
        media_title=title,
    )
    make_media(n=2, media_type="tv_show")
    params = {
        "media_type": "movie",
        "pipeline_status": "complete",
        "rejection_status": "accepted",
        "error_status": "false",
        "imdb_id": "tt1234567",
        "media_title": "ire & ice 100%_",
        "sort_by": "release_year",
        "sort_order": "asc",
    }

    body = get_list(api_client, params={**params, "limit": 1, "offset": 1})

    assert body["pagination"]["total"] == 3
    assert split_link(body["pagination"]["next"]) == (
        LIST_URL,
        {**params, "limit": "1", "offset": "2"},
    )
    assert split_link(body["pagination"]["previous"]) == (LIST_URL, {**params, "limit": "1"})


def test_previous_link_keeps_the_hash_filter(api_client, make_media):
    (row,) = make_media(n=1)
    params = {"hash": row.hash.upper(), "sort_by": "hash", "sort_order": "asc"}

    body = get_list(api_client, params={**params, "limit": 1, "offset": 1})

    assert body["data"] == []
    assert body["pagination"]["total"] == 1
    assert body["pagination"]["next"] is None
    assert split_link(body["pagination"]["previous"]) == (LIST_URL, {**params, "limit": "1"})


def test_following_next_stays_inside_the_filtered_sorted_listing(api_client, make_media):
    movies = make_media(n=5, seed=1, media_type="movie")
    make_media(n=5, seed=2, media_type="tv_season")
    params = {"media_type": "movie", "sort_by": "created_at", "sort_order": "asc", "limit": 2}

    first = get_list(api_client, params=params)
    second = get_list(api_client, url=first["pagination"]["next"])

    oldest_first = newest_first(movies)[::-1]
    assert [item["hash"] for item in second["data"]] == oldest_first[2:4]
    assert {item["media_type"] for item in second["data"]} == {"movie"}
    assert second["pagination"]["total"] == 5


# --- limit and offset ----------------------------------------------------------


def test_limit_1_is_accepted_and_answers_one_row(api_client, make_media):
    rows = make_media(n=3)

    body = get_list(api_client, params={"limit": 1})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[:1]
    assert body["pagination"]["limit"] == 1
    assert body["pagination"]["total"] == 3


def test_limit_1000_is_accepted(api_client, make_media):
    rows = make_media(n=3)

    body = get_list(api_client, params={"limit": 1000})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)
    assert body["pagination"] == {
        "total": 3,
        "limit": 1000,
        "offset": 0,
        "next": None,
        "previous": None,
    }


LIMIT_MESSAGE = "Must be an integer from 1 to 1000."
OFFSET_MESSAGE = "Must be an integer >= 0."


@pytest.mark.parametrize("value", ["0", "-1", "1001", "abc", "1.5", "1e3"])
def test_limit_outside_1_to_1000_or_not_an_integer_answers_400_naming_the_range(
    api_client, db, value
):
    response = api_client.get(LIST_URL, {"limit": value})

    assert response.status_code == 400
    assert response.json() == invalid_body("limit", LIMIT_MESSAGE)


@pytest.mark.parametrize(
    "value",
    ["-1", "x", "2.5", str(MAX_OFFSET + 1), "9" * 30],
    ids=["negative", "word", "fraction", "bigint-plus-one", "30-digits"],
)
def test_offset_negative_non_integer_or_beyond_bigint_answers_400(api_client, db, value):
    response = api_client.get(LIST_URL, {"offset": value})

    assert response.status_code == 400
    assert response.json() == invalid_body("offset", OFFSET_MESSAGE)


def test_offset_at_the_bigint_maximum_answers_an_empty_page(api_client, make_media):
    make_media(n=2)

    body = get_list(api_client, params={"offset": MAX_OFFSET})

    assert body["data"] == []
    assert body["pagination"]["total"] == 2
    assert body["pagination"]["offset"] == MAX_OFFSET
    assert body["pagination"]["next"] is None


def test_offset_past_the_end_answers_empty_data_with_the_true_total(api_client, make_media):
    make_media(n=3)

    body = get_list(api_client, params={"offset": 10, "limit": 5})

    assert body["data"] == []
    assert body["pagination"]["total"] == 3
    assert body["pagination"]["offset"] == 10
    assert body["pagination"]["next"] is None


def test_offset_equal_to_total_answers_empty_data(api_client, make_media):
    make_media(n=3)

    body = get_list(api_client, params={"offset": 3})

    assert body["data"] == []
    assert body["pagination"]["total"] == 3


def test_bad_limit_is_reported_even_with_valid_filters(api_client, make_media):
    make_media(n=2)

    response = api_client.get(LIST_URL, {"media_type": "movie", "sort_by": "hash", "limit": 0})

    assert response.status_code == 400
    assert response.json() == invalid_body("limit", LIMIT_MESSAGE)


# --- walking every page --------------------------------------------------------


@pytest.fixture
def rows_with_many_ties(make_media):
    """About 60 rows; the second call repeats the first call's values under new hashes."""
    rows = make_media(n=25, seed=21) + make_media(n=25, seed=21) + make_media(n=12, seed=22)
    # Some rows fail the error_status filter used below.
    rows += make_media(n=4, seed=23, error_status=True, error_condition="transmission: stalled")
    return rows


def walk(api_client, params):
    """Follow `next` from the first page; return every hash seen and every page's total."""
    hashes, totals = [], []
    body = get_list(api_client, params=params)
    while True:
        hashes += [item["hash"] for item in body["data"]]
        totals.append(body["pagination"]["total"])
        if body["pagination"]["next"] is None:
            return hashes, totals
        body = get_list(api_client, url=body["pagination"]["next"])


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "limit"),
    [
        ("media_type", "asc", 7),
        ("media_type", "desc", 4),
        ("error_status", "asc", 5),
        ("pipeline_status", "desc", 6),
        ("rejection_status", "asc", 3),
        ("resolution", "desc", 8),
        ("created_at", "desc", 9),
    ],
)
def test_walking_every_page_of_a_filtered_sorted_listing_returns_each_row_once(
    api_client, rows_with_many_ties, sort_by, sort_order, limit
):
    expected = {row.hash for row in rows_with_many_ties if not row.error_status}
    params = {"error_status": "false", "sort_by": sort_by, "sort_order": sort_order}

    hashes, totals = walk(api_client, {**params, "limit": limit})

    assert len(hashes) == len(set(hashes))
    assert set(hashes) == expected
    assert set(totals) == {len(expected)}
    assert len(totals) == -(-len(expected) // limit)  # ceil: one request per page
    # Page by page, the same order as one big page.
    one_page = get_list(api_client, params={**params, "limit": 1000})["data"]
    assert hashes == [item["hash"] for item in one_page]


def test_walking_every_page_of_an_unfiltered_listing_counts_every_row(
    api_client, rows_with_many_ties
):
    hashes, totals = walk(api_client, {"sort_by": "rejection_status", "limit": 10})

    assert sorted(hashes) == sorted(row.hash for row in rows_with_many_ties)
    assert set(totals) == {Media.objects.count()} == {len(rows_with_many_ties)}


def test_walking_back_with_previous_visits_the_same_pages_in_reverse(
    api_client, rows_with_many_ties
):
    params = {"sort_by": "media_type", "sort_order": "asc", "limit": 10}
    forward = []
    body = get_list(api_client, params=params)
    while True:
        forward.append([item["hash"] for item in body["data"]])
        if body["pagination"]["next"] is None:
            break
        body = get_list(api_client, url=body["pagination"]["next"])

    backward = []
    while True:
        backward.append([item["hash"] for item in body["data"]])
        if body["pagination"]["previous"] is None:
            break
        body = get_list(api_client, url=body["pagination"]["previous"])

    assert backward == forward[::-1]
    assert len(forward) == -(-len(rows_with_many_ties) // 10)


@pytest.mark.parametrize(
    "query",
    [
        "sort_by=media_type&sort_order=asc",
        "sort_by=release_year&sort_order=desc&pipeline_status=complete",
        "",
    ],
)
def test_deep_pages_read_by_key_equal_the_pages_sorted_whole(
    api_client, make_media, monkeypatch, query
):
    """The deferred join used deep in the table serves exactly the same pages."""
    make_media(n=45, seed=31)
    pages = {}
    for depth in (10**9, 0):  # never / always sort keys only
        monkeypatch.setattr("media.selectors.DEFERRED_JOIN_DEPTH", depth)
        pages[depth] = [
            api_client.get(f"/rear-diff/media?{query}&limit=7&offset={offset}").json()
            for offset in range(0, 49, 7)
        ]

    assert pages[0] == pages[10**9]
    assert sum(len(page["data"]) for page in pages[0]) == pages[0][0]["pagination"]["total"]
