"""The list's next and previous links, and walking a listing page by page along them.

Every link is path-absolute and keeps the request's filters, sort and spelling,
so following `next` from the first page visits every row exactly once.
"""

import pytest
from django.http import QueryDict
from django.urls import reverse

from media.filters import MediaFilter
from media.layout import current_layout
from media.models import Media
from tests.support.api import get_json, link, newest_first, split_link

# --- the links of one page -------------------------------------------------------


def test_middle_page_has_both_links_and_the_right_rows(api_client, make_media):
    rows = make_media(n=7)

    body = get_json(api_client, reverse("media-list"), {"limit": 2, "offset": 2})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[2:4]
    pagination = body["pagination"]
    assert (pagination["total"], pagination["limit"], pagination["offset"]) == (7, 2, 2)
    assert split_link(pagination["next"]) == link(reverse("media-list"), limit=2, offset=4)
    # Back to the first page: DRF drops offset rather than writing offset=0.
    assert split_link(pagination["previous"]) == link(reverse("media-list"), limit=2)


def test_last_page_has_no_next_link(api_client, make_media):
    rows = make_media(n=5)

    body = get_json(api_client, reverse("media-list"), {"limit": 2, "offset": 4})

    assert [item["hash"] for item in body["data"]] == newest_first(rows)[4:]
    assert body["pagination"]["next"] is None
    assert split_link(body["pagination"]["previous"]) == link(
        reverse("media-list"), limit=2, offset=2
    )


def test_a_page_ending_exactly_at_the_last_row_has_no_next_link(api_client, make_media):
    make_media(n=4)

    body = get_json(api_client, reverse("media-list"), {"limit": 2, "offset": 2})

    assert len(body["data"]) == 2
    assert body["pagination"]["next"] is None


def test_first_page_has_no_previous_link(api_client, make_media):
    make_media(n=3)

    body = get_json(api_client, reverse("media-list"), {"limit": 1, "offset": 0})

    assert body["pagination"]["previous"] is None
    assert split_link(body["pagination"]["next"]) == link(reverse("media-list"), limit=1, offset=1)


def test_links_keep_the_trailing_slash_spelling_of_the_request(api_client, make_media):
    make_media(n=3)
    with_slash = reverse("media-list") + "/"

    body = get_json(api_client, with_slash, {"limit": 1, "offset": 1})

    assert split_link(body["pagination"]["next"]) == link(with_slash, limit=1, offset=2)
    assert split_link(body["pagination"]["previous"]) == link(with_slash, limit=1)


def test_links_are_path_absolute_even_when_the_request_names_a_host(api_client, make_media):
    make_media(n=3)

    response = api_client.get(
        reverse("media-list"), {"limit": 1, "offset": 1}, HTTP_HOST="localhost:8000"
    )

    assert response.status_code == 200
    pagination = response.json()["pagination"]
    assert pagination["next"].startswith(reverse("media-list") + "?")
    assert pagination["previous"].startswith(reverse("media-list") + "?")
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

    body = get_json(api_client, reverse("media-list"), {**params, "limit": 1, "offset": 1})

    assert body["pagination"]["total"] == 3
    assert split_link(body["pagination"]["next"]) == link(
        reverse("media-list"), **params, limit=1, offset=2
    )
    assert split_link(body["pagination"]["previous"]) == link(
        reverse("media-list"), **params, limit=1
    )


def test_previous_link_keeps_the_hash_filter(api_client, make_media):
    (row,) = make_media(n=1)
    params = {"hash": row.hash.upper(), "sort_by": "hash", "sort_order": "asc"}

    body = get_json(api_client, reverse("media-list"), {**params, "limit": 1, "offset": 1})

    assert body["data"] == []
    assert body["pagination"]["total"] == 1
    assert body["pagination"]["next"] is None
    assert split_link(body["pagination"]["previous"]) == link(
        reverse("media-list"), **params, limit=1
    )


# --- walking every page --------------------------------------------------------


@pytest.fixture
def rows_with_many_ties(make_media):
    """About 60 rows; the second call repeats the first call's values under new hashes."""
    rows = make_media(n=25, seed=21) + make_media(n=25, seed=21) + make_media(n=12, seed=22)
    # Some rows fail the error_status filter used below.
    rows += make_media(n=4, seed=23, error_status=True, error_condition="transmission: stalled")
    return rows


def pages(api_client, params, direction="next", body=None):
    """Every page's body from the first (or `body`) along the `direction` links."""
    body = body or get_json(api_client, reverse("media-list"), params)
    walked = [body]
    while body["pagination"][direction] is not None:
        body = get_json(api_client, body["pagination"][direction])
        walked.append(body)
    return walked


def test_following_next_stays_inside_the_filtered_sorted_listing(api_client, make_media):
    movies = make_media(n=5, seed=1, media_type="movie")
    make_media(n=5, seed=2, media_type="tv_season")
    params = {"media_type": "movie", "sort_by": "created_at", "sort_order": "asc", "limit": 2}

    first = get_json(api_client, reverse("media-list"), params)
    second = get_json(api_client, first["pagination"]["next"])

    oldest_first = newest_first(movies)[::-1]
    assert [item["hash"] for item in second["data"]] == oldest_first[2:4]
    assert {item["media_type"] for item in second["data"]} == {"movie"}
    assert second["pagination"]["total"] == 5


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

    walked = pages(api_client, {**params, "limit": limit})

    hashes = [item["hash"] for page in walked for item in page["data"]]
    assert len(hashes) == len(set(hashes))
    assert set(hashes) == expected
    assert {page["pagination"]["total"] for page in walked} == {len(expected)}
    assert len(walked) == -(-len(expected) // limit)  # ceil: one request per page
    # Page by page, the same order as one big page.
    one_page = get_json(api_client, reverse("media-list"), {**params, "limit": 1000})["data"]
    assert hashes == [item["hash"] for item in one_page]


def test_walking_every_page_of_an_unfiltered_listing_counts_every_row(
    api_client, rows_with_many_ties
):
    walked = pages(api_client, {"sort_by": "rejection_status", "limit": 10})

    hashes = [item["hash"] for page in walked for item in page["data"]]
    assert sorted(hashes) == sorted(row.hash for row in rows_with_many_ties)
    totals = {page["pagination"]["total"] for page in walked}
    assert totals == {Media.objects.count()} == {len(rows_with_many_ties)}


def test_walking_back_with_previous_visits_the_same_pages_in_reverse(
    api_client, rows_with_many_ties
):
    forward = pages(api_client, {"sort_by": "media_type", "sort_order": "asc", "limit": 10})
    backward = pages(api_client, None, direction="previous", body=forward[-1])

    assert [page["data"] for page in backward] == [page["data"] for page in forward[::-1]]
    assert len(forward) == -(-len(rows_with_many_ties) // 10)


@pytest.mark.parametrize(
    "query",
    [
        "sort_by=media_type&sort_order=asc",
        "sort_by=release_year&sort_order=desc&pipeline_status=complete",
        "",
    ],
)
def test_pages_read_by_key_keep_the_order_of_the_sorted_rows(api_client, make_media, query):
    """A page sorts keys, then reads its rows by key: in that order, none lost or added."""
    make_media(n=45, seed=31)
    sorted_rows = MediaFilter(
        QueryDict(query), queryset=Media.objects.all(), layout=current_layout()
    )

    served = [
        api_client.get(f"{reverse('media-list')}?{query}&limit=7&offset={offset}").json()
        for offset in range(0, 49, 7)
    ]

    hashes = [item["hash"] for page in served for item in page["data"]]
    assert hashes == list(sorted_rows.qs.values_list("hash", flat=True))
