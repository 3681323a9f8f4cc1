"""The list's new filters: comma-separated enum sets, created_*/updated_* ranges (RFC 3339)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests.spec import pipeline_statuses
from tests.support.api import BAD_TIME

LIST_URL = reverse("media-list")
T0 = datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC)
TIME_PARAMETERS = ["created_after", "created_before", "updated_after", "updated_before"]


def listed(api_client, **params):
    response = api_client.get(LIST_URL, {"limit": 1000, **params})
    assert response.status_code == 200, response.content
    return response.json()


def hashes(body):
    return {item["hash"] for item in body["data"]}


def test_an_enum_filter_takes_a_comma_separated_set(api_client, make_media, media_table):
    rows = make_media(50, seed=51)

    body = listed(api_client, pipeline_status="downloading,downloaded,complete")

    wanted = {row.hash for row in rows if row.pipeline_status in ("downloading", "downloaded")}
    wanted |= {row.hash for row in rows if row.pipeline_status == "complete"}
    assert wanted and hashes(body) == wanted
    assert body["pagination"]["total"] == len(wanted)


def test_sets_of_several_filters_combine_with_and(api_client, make_media, media_table):
    rows = make_media(50, seed=52)

    body = listed(api_client, media_type="movie", rejection_status="accepted,override")

    assert hashes(body) == {
        row.hash
        for row in rows
        if row.media_type == "movie" and row.rejection_status in ("accepted", "override")
    }


def test_the_next_link_keeps_a_set(api_client, make_media, media_table):
    make_media(5, seed=53, pipeline_status="rejected")
    make_media(5, seed=54, pipeline_status="complete")

    body = api_client.get(LIST_URL, {"pipeline_status": "rejected,complete", "limit": 3}).json()

    assert "pipeline_status=rejected%2Ccomplete" in body["pagination"]["next"]
    assert body["pagination"]["total"] == 10


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("rejected,stuck", None),
        ("rejected,", "Give labels separated by commas, none of them empty."),
        (",", "Give labels separated by commas, none of them empty."),
        ("", "Give labels separated by commas, none of them empty."),
    ],
)
def test_a_bad_set_answers_400_naming_the_parameter(api_client, db, media_table, value, message):
    response = api_client.get(LIST_URL, {"pipeline_status": value})

    message = message or (
        "Select a valid choice. stuck is not one of: "
        + ", ".join(pipeline_statuses(media_table))
        + "."
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid request",
        "details": {"pipeline_status": [message]},
    }


def test_a_set_given_twice_answers_400(api_client, db, media_table):
    response = api_client.get(f"{LIST_URL}?media_type=movie&media_type=tv_show")

    assert response.status_code == 400
    assert response.json()["details"] == {"media_type": ["Give media_type at most once."]}


@pytest.fixture
def dated(make_media, media_table):
    """Rows created an hour apart from T0 on, each updated a day after its creation."""
    rows = []
    for hour in range(5):
        created = T0 + timedelta(hours=hour)
        rows += make_media(1, seed=55, created_at=created, updated_at=created + timedelta(days=1))
    return rows


def test_created_after_includes_its_time_and_created_before_excludes_it(api_client, dated):
    body = listed(
        api_client,
        created_after=(T0 + timedelta(hours=1)).isoformat(),
        created_before=(T0 + timedelta(hours=3)).isoformat(),
    )

    assert hashes(body) == {dated[1].hash, dated[2].hash}


def test_updated_ranges_filter_on_updated_at(api_client, dated):
    body = listed(api_client, updated_after="2025-05-08T22:00:00Z")

    assert hashes(body) == {dated[2].hash, dated[3].hash, dated[4].hash}
    assert hashes(listed(api_client, updated_before="2025-05-08T21:33:57.738163Z")) == {
        dated[0].hash
    }


def test_a_time_in_any_offset_means_the_same_instant(api_client, dated):
    # 22:33:57.738163 UTC, written 17:34 behind UTC (PostgreSQL itself takes at most 15:59).
    body = listed(api_client, created_after="2025-05-07T04:59:57.738163-17:34")

    assert hashes(body) == {row.hash for row in dated[2:]}


@pytest.mark.parametrize(
    ("value", "then"),
    [
        ("2025-05-07t22:33:57.738163z", 2),  # T and Z may be lower case (RFC 3339, 5.6)
        ("2025-05-07T21:33:57.73816351Z", 2),  # digits past the microsecond round
        ("2025-05-07T21:59:60Z", 2),  # a leap second: the next minute's first
        ("2025-05-07T21:59:59.999999+23:59", 0),
        ("0001-01-01T00:00:00+05:00", 0),  # before year 1 in UTC: the earliest instant
        ("9999-12-31T23:00:00-05:00", 5),  # after 9999 in UTC: the latest
    ],
)
def test_every_rfc_3339_date_time_is_taken(api_client, dated, value, then):
    body = listed(api_client, created_after=value)

    assert hashes(body) == {row.hash for row in dated[then:]}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2025-05-07",
        "2025-05-07T20:33:57",
        "2025-05-07 20:33:57Z",
        "2025-05-07T20:33Z",
        "20250507T203357Z",
        "2025-05-07T20:33:57+0200",
        "2025-05-07T20:33:57+24:00",
        "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2025-05-07T24:00:00Z",
        "\uff12\uff10\uff12\uff15-05-07T20:33:57Z",  # digits, but not ASCII ones
    ],
)
@pytest.mark.parametrize("name", TIME_PARAMETERS)
def test_anything_but_an_rfc_3339_date_time_answers_400_naming_the_parameter(
    api_client, db, name, value
):
    """Empty included: `?updated_before=` asks for something; dropping it would answer another
    question."""
    response = api_client.get(LIST_URL, {name: value})

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": {name: [BAD_TIME]}}
