"""Keys the pipeline moved off the row: G2 reads them from atp.training, G1 from spoken_languages.

The contract's 32 keys stay on every item whatever the generation
(api-contract.md, "Across the table's generations").
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media.models import Training
from tests.spec import TRAINING_KEYS
from tests.support.api import item_path
from tests.support.rows import FULL_ROW, fetch_row

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
def test_a_page_reads_training_once_for_the_imdb_ids_on_that_page_only(
    api_client, make_media, media_table
):
    rows = make_media(n=6, seed=3)
    page = api_client.get(reverse("media-list"), {"limit": 2}).json()["data"]
    on_page = {row.imdb_id for row in rows if row.hash in {item["hash"] for item in page}}

    with CaptureQueriesContext(connection) as queries:
        api_client.get(reverse("media-list"), {"limit": 2})

    (training_query,) = [q["sql"] for q in queries if "training" in q["sql"]]
    named = {row.imdb_id for row in rows if row.imdb_id and row.imdb_id in training_query}
    assert named == on_page - {None}


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
