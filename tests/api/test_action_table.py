"""The one action table, as every reader sees it: an item's allowed_actions, the endpoint,
GET /rear-diff/media/actions and the OpenAPI schema agree with each other and the spec."""

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests.spec import pipeline_statuses
from tests.support.api import fetch_schema, item_path
from tests.support.operators import ALL_ACTIONS, act, row_in
from tests.support.rows import LONG_AGO, fetch_row

# Which actions each table can take (docs/api.md, "Operator actions": approve needs the label
# media_accepted, delete and restore the column deleted_at).
SUPPORTED = {
    "g0": ["re-ingest", "override", "reject", "clear-error", "complete"],
    "g1-v23": ["re-ingest", "override", "approve", "reject", "clear-error", "complete"],
    "g2": ALL_ACTIONS,
}


@pytest.fixture
def varied_rows(make_media, media_table):
    """Rows in the states the generator draws (every label, some errors), and a deleted one."""
    rows = make_media(40, seed=11)
    rows += make_media(3, seed=12, error_status=True, error_condition="boom")
    if media_table == "g2":
        rows.append(row_in(make_media, pipeline_status="parsed", deleted_at=LONG_AGO))
    return rows


def test_allowed_actions_are_exactly_the_actions_the_endpoint_accepts(
    monkeypatch, operator_client, varied_rows
):
    # Hundreds of writes in a second: the write throttle is not what this tests.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "anon": None, "write": None},
    )
    for row in varied_rows:
        item = operator_client.get(item_path(row.hash), {"include_deleted": "true"})
        allowed = item.json()["allowed_actions"]
        for name in ALL_ACTIONS:
            stored = fetch_row(row.hash)
            with transaction.atomic():
                response = act(operator_client, row.hash, name, {"reason": "checking"})
                transaction.set_rollback(True)
            expected = 200 if name in allowed else 409
            assert response.status_code == expected, (row.hash, name, stored, response.json())
            assert fetch_row(row.hash) == stored


def test_allowed_actions_of_a_row_follow_its_state(operator_client, make_media, media_table):
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")
    item = operator_client.get(item_path(row.hash)).json()

    expected = ["re-ingest", "override", "complete", "delete"]
    assert item["allowed_actions"] == [name for name in expected if name in SUPPORTED[media_table]]


def test_the_action_list_says_what_each_table_supports(api_client, db, media_table):
    response = api_client.get(reverse("media-actions"))

    assert response.status_code == 200
    actions = response.json()["data"]
    assert [action["name"] for action in actions] == ALL_ACTIONS
    assert [a["name"] for a in actions if a["supported"]] == SUPPORTED[media_table]
    for action in actions:
        assert (action["unsupported_reason"] is None) == action["supported"]


@pytest.mark.tables("g2")
def test_the_action_list_describes_reject_and_override_in_full(api_client, db, media_table):
    actions = {a["name"]: a for a in api_client.get("/rear-diff/media/actions/").json()["data"]}

    assert actions["reject"] == {
        "name": "reject",
        "summary": "Reject the row, with the reason the pipeline's filters missed.",
        "sets": {
            "pipeline_status": "rejected",
            "rejection_status": "rejected",
            "rejection_reason": "{reason}",
        },
        "also": [],
        "allowed_when": {
            "pipeline_status": [
                "ingested",
                "paused",
                "parsed",
                "file_accepted",
                "metadata_collected",
                "media_accepted",
            ]
        },
        "needs": "pipeline_status one of: ingested, paused, parsed, file_accepted, "
        "metadata_collected, media_accepted",
        "then": "",
        "reason_required": True,
        "allowed_on_deleted": False,
        "supported": True,
        "unsupported_reason": None,
    }
    assert actions["override"]["sets"] == {"rejection_status": "override"}
    assert actions["override"]["also"] == [
        {"sets": {"pipeline_status": "ingested"}, "when": "pipeline_status one of: rejected"}
    ]
    assert actions["restore"]["allowed_when"] == {"deleted": [True]}
    assert actions["clear-error"]["allowed_when"] == {"error_status": [True]}


@pytest.mark.tables("g0")
def test_the_action_list_gives_the_live_labels_of_g0(api_client, db, media_table):
    actions = {a["name"]: a for a in api_client.get(reverse("media-actions")).json()["data"]}

    assert actions["reject"]["allowed_when"] == {
        "pipeline_status": ["ingested", "paused", "parsed", "metadata_collected"]
    }
    assert actions["re-ingest"]["allowed_when"]["pipeline_status"] == [
        label for label in pipeline_statuses("g0") if label != "ingested"
    ]
    assert actions["approve"]["unsupported_reason"] == (
        "approve sets pipeline_status to media_accepted, a label this table's pipeline_status "
        "does not have."
    )


def test_the_schema_documents_the_action_names_from_the_table(api_client, db):
    schema = fetch_schema()
    operation = schema["paths"]["/rear-diff/media/{hash}/actions/{name}"]["post"]
    (name,) = [p for p in operation["parameters"] if p["name"] == "name"]
    item = schema["components"]["schemas"]["MediaItem"]["properties"]["allowed_actions"]
    retrieve = schema["paths"]["/rear-diff/media/{hash}"]["get"]["responses"]["200"]

    assert sorted(name["schema"]["enum"]) == sorted(ALL_ACTIONS)
    assert sorted(schema["components"]["schemas"]["ActionEnum"]["enum"]) == sorted(ALL_ACTIONS)
    assert item["items"] == {"$ref": "#/components/schemas/ActionEnum"}
    assert retrieve["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MediaItem"
    }
    assert set(operation["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "413",
        "415",
        "429",
        "500",
        "503",
    }
