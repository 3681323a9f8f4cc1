"""GET /rear-diff/media: its paths, the sample row in the envelope, and its representations.

The item's keys and types are in test_item.py, filters in test_filters.py,
sorting in test_sorting.py, the envelope's paging in test_pagination*.py.
"""

import pytest
from django.urls import reverse

from tests.spec import SAMPLE_BODY, SAMPLE_HASH, as_served
from tests.support.api import BROWSER_ACCEPT, assert_browsable_api_page, get_json, one_page


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_list_answers_200_with_and_without_trailing_slash_without_redirect(
    api_client, sample_media, slash
):
    response = api_client.get(reverse("media-list") + slash)

    assert response.status_code == 200
    assert "Location" not in response
    assert [item["hash"] for item in response.json()["data"]] == [SAMPLE_HASH]


def test_list_of_the_sample_row_is_its_whole_item_in_the_envelope(
    api_client, sample_media, media_table
):
    body = get_json(api_client, reverse("media-list"))

    assert body == {"data": [as_served(SAMPLE_BODY, media_table)], "pagination": one_page(1)}


def test_json_is_the_default_representation(api_client, sample_media):
    response = api_client.get(reverse("media-list"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_a_browser_gets_the_list_as_the_browsable_api(api_client, make_media, sample_media, slash):
    make_media(n=3)  # more rows than one page, so the page controls render too

    response = api_client.get(
        reverse("media-list") + slash, {"limit": 2, "sort_by": "hash"}, HTTP_ACCEPT=BROWSER_ACCEPT
    )

    assert_browsable_api_page(response)
