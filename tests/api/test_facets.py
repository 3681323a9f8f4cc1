"""GET /rear-diff/media/facets: counts per live label (zeros included), filtered, in one query."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media.models import Media
from tests.spec import REJECTION_STATUSES, media_types, pipeline_statuses
from tests.support.api import BAD_TIME, fetch_schema
from tests.support.operators import row_in
from tests.support.rows import LONG_AGO

URL = reverse("media-facets")


@pytest.fixture
def rows(make_media, media_table):
    """Generated rows in the states the generator draws, and (with soft delete) a deleted one."""
    made = make_media(60, seed=41)
    made += make_media(4, seed=42, error_status=True, error_condition="boom")
    if media_table in ("g1-v27", "g2"):
        row_in(
            make_media, pipeline_status="parsed", rejection_status="rejected", deleted_at=LONG_AGO
        )
    return made


def expected(rows, generation, keep=lambda row: True):
    kept = [row for row in rows if keep(row)]
    labels = {
        "pipeline_status": pipeline_statuses(generation),
        "rejection_status": REJECTION_STATUSES,
        "media_type": media_types(generation),
        "error_status": [True, False],
    }
    facets = {}
    for field, values in labels.items():
        counts = Counter(getattr(row, field) for row in kept)
        facets[field] = [{"value": value, "count": counts[value]} for value in values]
    return {"total": len(kept), "facets": facets}


def test_facets_count_every_live_label_with_zeros(api_client, rows, media_table):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert response.json() == expected(rows, media_table)
    complete = api_client.get(URL, {"pipeline_status": "complete"}).json()["facets"]
    assert [c["value"] for c in complete["pipeline_status"]] == pipeline_statuses(media_table)
    assert [c["count"] == 0 for c in complete["pipeline_status"]] == [
        label != "complete" for label in pipeline_statuses(media_table)
    ]


def test_facets_take_the_lists_filters(api_client, rows, media_table):
    response = api_client.get(
        URL, {"media_type": "movie,tv_season", "pipeline_status": "complete,rejected,parsed"}
    )

    def keep(row):
        return row.media_type in ("movie", "tv_season") and row.pipeline_status in (
            "complete",
            "rejected",
            "parsed",
        )

    assert response.status_code == 200
    assert response.json() == expected(rows, media_table, keep)
    listed = api_client.get(
        "/rear-diff/media",
        {"media_type": "movie,tv_season", "pipeline_status": "complete,rejected,parsed"},
    )
    assert response.json()["total"] == listed.json()["pagination"]["total"]


def test_facets_of_the_asked_fields_only_in_their_order(api_client, rows, media_table):
    response = api_client.get(URL, {"fields": "error_status,rejection_status", "limit": 5})

    body = response.json()
    assert list(body["facets"]) == ["error_status", "rejection_status"]
    assert body == {
        "total": len(rows),
        "facets": {
            name: expected(rows, media_table)["facets"][name]
            for name in ("error_status", "rejection_status")
        },
    }


@pytest.mark.tables("g2")
def test_soft_deleted_rows_are_not_counted_unless_asked_for(api_client, rows):
    hidden = api_client.get(URL, {"fields": "rejection_status"}).json()
    shown = api_client.get(URL, {"fields": "rejection_status", "include_deleted": "true"}).json()

    assert shown["total"] == hidden["total"] + 1 == len(rows) + 1
    assert Media.objects.count() == len(rows) + 1


def test_facets_are_one_statement_on_the_media_table(api_client, rows):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(URL, {"rejection_status": "accepted,override"})

    assert response.status_code == 200
    on_media = [q["sql"] for q in queries if Media._meta.db_table in q["sql"]]
    assert len(on_media) == 1
    assert "GROUP BY" in on_media[0]


@pytest.mark.parametrize(
    ("params", "details"),
    [
        (
            {"fields": "pipeline_status,uploader"},
            {
                "fields": [
                    "Select a valid choice. uploader is not one of: pipeline_status, "
                    "rejection_status, media_type, error_status."
                ]
            },
        ),
        (
            {"fields": "pipeline_status,,media_type"},
            {"fields": ["Give labels separated by commas, none of them empty."]},
        ),
        ({"updated_before": "soon"}, {"updated_before": [BAD_TIME]}),
        ({"updated_before": ""}, {"updated_before": [BAD_TIME]}),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(api_client, db, media_table, params, details):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid request", "details": details}


def test_a_parameter_given_twice_answers_400(api_client, db, media_table):
    response = api_client.get(f"{URL}?fields=media_type&fields=error_status")

    assert response.status_code == 400
    assert response.json()["details"] == {"fields": ["Give fields at most once."]}


def test_facets_of_an_empty_table_are_all_zero(api_client, db, media_table):
    body = api_client.get(URL, {"fields": "rejection_status"}).json()

    assert body == {
        "total": 0,
        "facets": {
            "rejection_status": [{"value": value, "count": 0} for value in REJECTION_STATUSES]
        },
    }


def test_the_schema_documents_the_fields_and_the_lists_filters(api_client, db):
    schema = fetch_schema()
    parameters = {p["name"]: p for p in schema["paths"][URL]["get"]["parameters"]}

    assert {"fields", "pipeline_status", "created_after", "include_deleted"} <= set(parameters)
    assert parameters["fields"]["schema"]["items"]["enum"] == sorted(
        ["pipeline_status", "rejection_status", "media_type", "error_status"]
    )
    assert parameters["fields"]["explode"] is False
