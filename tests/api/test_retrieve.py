"""GET /rear-diff/media/{hash}: one row by its hash, whatever its case; a 404 for any other."""

import pytest

from tests.spec import SAMPLE_BODY, SAMPLE_HASH, as_served
from tests.support.api import (
    BROWSER_ACCEPT,
    assert_browsable_api_page,
    item_path,
    not_found,
)

# The actions the sample row (rejected, rejected, no error) allows on each table
# (docs/api.md, "Operator actions"): approve needs media_accepted (G1 on), delete
# deleted_at (G1 v24 on).
SAMPLE_ALLOWED = {
    "g0": ["re-ingest", "override"],
    "g1-v23": ["re-ingest", "override", "approve"],
    "g2": ["re-ingest", "override", "approve", "delete"],
}


@pytest.mark.parametrize(
    ("spelling", "slash"),
    [(SAMPLE_HASH, ""), (SAMPLE_HASH, "/"), (SAMPLE_HASH.upper(), "")],
    ids=["no-slash", "slash", "uppercase"],
)
def test_retrieve_answers_the_whole_sample_row_by_its_hash_without_redirect(
    api_client, sample_media, media_table, spelling, slash
):
    response = api_client.get(item_path(spelling) + slash)

    assert response.status_code == 200
    assert "Location" not in response
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        **as_served(SAMPLE_BODY, media_table),
        "allowed_actions": SAMPLE_ALLOWED[media_table],
    }


@pytest.mark.parametrize(
    "absent",
    ["0" * 40, SAMPLE_HASH[:-1] + "0", "not-a-hash", SAMPLE_HASH[:-1] + "\x00", "a" * 10_000],
    ids=["zeros", "one-digit-off", "malformed", "nul", "10k-chars"],
)
def test_retrieve_of_an_absent_hash_answers_404_in_the_read_error_shape(
    api_client, sample_media, absent
):
    """A NUL can never be in a stored hash; PostgreSQL refuses it as a query parameter."""
    response = api_client.get(item_path(absent))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == not_found(absent.lower())


def test_retrieve_on_an_empty_table_answers_404(api_client, db):
    response = api_client.get(item_path(SAMPLE_HASH))

    assert response.status_code == 404
    assert response.json() == not_found(SAMPLE_HASH)


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_a_browser_gets_one_row_as_the_browsable_api(api_client, sample_media, slash):
    response = api_client.get(item_path(SAMPLE_HASH) + slash, HTTP_ACCEPT=BROWSER_ACCEPT)

    html = assert_browsable_api_page(response)
    assert SAMPLE_HASH in html
    assert "40 Under 40 (2013) [720p] [WEBRip] [YTS.MX]" in html
