"""Keys the pipeline moved off the row: G2 reads them from atp.training, G1 from spoken_languages.

The contract's 32 keys stay on every item whatever the generation
(docs/api.md, "How the contract holds across the
table's generations").
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media.models import Training
from tests.spec import TRAINING_KEYS
from tests.support.api import item_path, patch_status
from tests.support.rows import FULL_ROW, fetch_row, unchanged

METADATA = {key: FULL_ROW[key] for key in TRAINING_KEYS}
SERVED = {**METADATA, "imdb_rating": 7.5}  # a JSON number
NO_METADATA = dict.fromkeys(METADATA)
TRAINING = Training._meta.db_table


@pytest.mark.tables("g2")
def test_g2_serves_the_moved_keys_from_the_training_row_of_the_imdb_id(
    api_client, make_media, media_table
):
    (row,) = make_media(n=1, imdb_id="tt0111161", **METADATA)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT genre, spoken_languages FROM {TRAINING} WHERE imdb_id = 'tt0111161'"
        )
        assert cursor.fetchone() == (METADATA["genre"], METADATA["language"])
    assert "genre" not in fetch_row(row.hash)

    item = api_client.get(item_path(row.hash)).json()

    assert {key: item[key] for key in METADATA} == SERVED


@pytest.mark.tables("g2")
def test_g2_serves_null_for_a_row_without_a_training_row(api_client, make_media, media_table):
    (row,) = make_media(n=1, imdb_id="tt7777777", has_training=False, **METADATA)

    item = api_client.get(item_path(row.hash)).json()

    assert {key: item[key] for key in METADATA} == NO_METADATA


@pytest.mark.tables("g2")
def test_g2_serves_null_for_a_row_without_an_imdb_id(api_client, make_media, media_table):
    (row,) = make_media(n=1, imdb_id=None, **METADATA)

    item = api_client.get(item_path(row.hash)).json()

    assert {key: item[key] for key in METADATA} == NO_METADATA


@pytest.mark.tables("g2")
def test_two_torrents_of_one_movie_share_its_training_row(api_client, make_media, media_table):
    rows = make_media(n=2, imdb_id="tt0068646", **METADATA)

    items = api_client.get(reverse("media-list")).json()["data"]

    assert {item["hash"] for item in items} == {row.hash for row in rows}
    assert [{key: item[key] for key in METADATA} for item in items] == [SERVED, SERVED]


@pytest.mark.tables("g2")
def test_a_page_reads_training_once_for_the_rows_on_that_page_only(
    api_client, make_media, media_table
):
    rows = make_media(n=6, seed=3)
    page = api_client.get(reverse("media-list"), {"limit": 2}).json()["data"]

    with CaptureQueriesContext(connection) as queries:
        api_client.get(reverse("media-list"), {"limit": 2})

    (training_query,) = [q["sql"] for q in queries if "training" in q["sql"]]
    named = {row.hash for row in rows if row.hash in training_query}
    assert named == {item["hash"] for item in page}


@pytest.mark.tables("g1-v23")
def test_g1_serves_language_from_spoken_languages_and_as_itself(
    api_client, make_media, media_table
):
    (row,) = make_media(n=1, language=["sv", "en"])
    assert "language" not in fetch_row(row.hash)

    item = api_client.get(item_path(row.hash)).json()

    assert item["language"] == item["spoken_languages"] == ["sv", "en"]


@pytest.mark.parametrize("key", ["genre", "language"])
@pytest.mark.tables("g2")
def test_a_filter_never_reaches_training(api_client, make_media, media_table, key):
    """The list has no filter on these keys: an unknown parameter is ignored, not a 500."""
    make_media(n=2)

    response = api_client.get(reverse("media-list"), {key: "Drama"})

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 2


def set_rt_score(imdb_id: str, score: int) -> int:
    """The pipeline scores the movie again (atp.training only); the score the table now holds."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TRAINING} SET rt_score = %s WHERE imdb_id = %s", [score, imdb_id])
        cursor.execute(f"SELECT rt_score FROM {TRAINING} WHERE imdb_id = %s", [imdb_id])
        return cursor.fetchone()[0]


@pytest.mark.tables("g2")
def test_g2_a_change_of_the_training_row_alone_changes_the_items_etag(
    api_client, make_media, media_table
):
    """The item's body is read from atp.training too: its validator covers that row, so a
    client revalidating with the old ETag gets the new score, not a 304."""
    (row,) = make_media(n=1, imdb_id="tt0111161", **METADATA)
    before = api_client.get(item_path(row.hash))
    media_row = fetch_row(row.hash)

    assert set_rt_score("tt0111161", 12) == 12
    revalidated = api_client.get(item_path(row.hash), headers={"If-None-Match": before["ETag"]})

    assert fetch_row(row.hash) == media_row  # the media row did not change
    assert revalidated.status_code == 200
    assert revalidated.json()["rt_score"] == 12
    assert revalidated["ETag"] != before["ETag"]
    again = api_client.get(item_path(row.hash), headers={"If-None-Match": revalidated["ETag"]})
    assert again.status_code == 304


@pytest.mark.tables("g2")
def test_g2_if_match_guards_the_media_row_not_the_training_row(
    operator_client, make_media, media_table
):
    """A write changes the media row only: an ETag read before the movie was scored again
    still matches it; one read before the row itself changed does not."""
    (row,) = make_media(n=1, imdb_id="tt0111161", rejection_status="unfiltered", **METADATA)
    read = operator_client.get(item_path(row.hash))["ETag"]
    set_rt_score("tt0111161", 12)

    changed = patch_status(operator_client, row.hash, "accepted", headers={"If-Match": read})
    with unchanged(row.hash):
        stale = patch_status(operator_client, row.hash, "rejected", headers={"If-Match": read})

    assert changed.status_code == 200, changed.content
    assert changed.json()["data"]["rt_score"] == 12
    assert stale.status_code == 412
    assert fetch_row(row.hash)["rejection_status"] == "accepted"
    assert operator_client.get(item_path(row.hash))["ETag"] == changed["ETag"]
