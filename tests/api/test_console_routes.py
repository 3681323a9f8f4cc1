"""The pipeline console's older routes: thin adapters over the same writes, checked in the database.

PATCH /rear-diff/media/{hash}/pipeline | approve | finish | soft_delete answer
{"success", "message", "hash", "data"}, take If-Match, need the operators'
permission and are recorded in the history.
"""

import pytest
from django.urls import reverse

from tests.support.operators import INGESTED, PARSED, assert_refused, history, row_in, state
from tests.support.rows import LONG_AGO, unchanged

pytestmark = pytest.mark.usefixtures("clear_throttles")


def console(client, hash_value, route, body=None, **kwargs):
    url = f"/rear-diff/media/{hash_value}/{route}"
    if body is None:
        return client.patch(url, **kwargs)
    return client.patch(url, body, format="json", **kwargs)


def assert_done(response, message, hash_value):
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["success"], body["message"], body["hash"]) == (True, message, hash_value)
    assert body["data"]["hash"] == hash_value
    return body["data"]


def test_pipeline_sets_exactly_the_given_columns_and_the_triggers_follow(
    operator, operator_client, make_media, media_table
):
    row = row_in(
        make_media,
        pipeline_status="rejected",
        rejection_status="rejected",
        rejection_reason="genre Horror is excluded",
    )

    response = console(
        operator_client, row.hash, "pipeline", {"hash": row.hash, "pipeline_status": "ingested"}
    )

    data = assert_done(response, "Pipeline state updated successfully", row.hash)
    expected = {"pipeline_status": "ingested", "rejection_status": "unfiltered"}
    assert state(row.hash) == {
        **expected,
        "rejection_reason": None,
        "error_status": False,
        "error_condition": None,
        "deleted": False,
    }
    assert {key: data[key] for key in expected} == expected
    (record,) = history(row.hash)
    assert (record.action, record.changed_by) == ("pipeline", operator)


def test_pipeline_applies_no_transition_rule(operator_client, make_media, media_table):
    row = row_in(make_media, **INGESTED)

    response = console(
        operator_client,
        row.hash,
        "pipeline",
        {
            "hash": row.hash.upper(),
            "pipeline_status": "complete",
            "rejection_status": "accepted",
            "error_status": True,
        },
    )

    assert_done(response, "Pipeline state updated successfully", row.hash)
    assert state(row.hash) == {
        "pipeline_status": "complete",
        "rejection_status": "accepted",
        "rejection_reason": None,
        "error_status": True,
        "error_condition": None,
        "deleted": False,
    }


ROW = "the row's hash"  # put in place of the row's hash in the bodies below
BAD_BODIES = {
    "no hash": ({"error_status": True}, "Invalid request", "Field 'hash' is required."),
    "no column": (
        {"hash": ROW},
        "Invalid request",
        "Give at least one of pipeline_status, rejection_status, error_status.",
    ),
    "a string for a boolean": (
        {"hash": ROW, "error_status": "yes"},
        "Invalid request",
        "Must be true or false.",
    ),
    "an unknown label": (
        {"hash": ROW, "rejection_status": "maybe"},
        "Invalid request",
        "Rejection status must be one of: unfiltered, accepted, rejected, override",
    ),
    "another row's hash": (
        {"hash": "f" * 40, "error_status": True},
        "Hash mismatch",
        "Path hash and body hash do not match",
    ),
}


@pytest.mark.parametrize("case", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_a_bad_pipeline_body_answers_400_and_changes_nothing(
    operator_client, make_media, media_table, case
):
    body, error, message = case
    row = row_in(make_media, **PARSED)
    body = {key: row.hash if value == ROW else value for key, value in body.items()}

    with unchanged(row.hash):
        response = console(operator_client, row.hash, "pipeline", body)

    assert_refused(response, 400, error, message)
    assert history() == []


def test_pipeline_takes_only_the_live_labels(operator_client, make_media, media_table):
    row = row_in(make_media, **PARSED)
    label = "queued" if media_table != "g0" else "media_accepted"

    response = console(
        operator_client, row.hash, "pipeline", {"hash": row.hash} | {"pipeline_status": label}
    )

    assert response.status_code == 400
    assert response.json()["message"].startswith("Pipeline status must be one of: ingested, ")
    assert state(row.hash)["pipeline_status"] == "parsed"


@pytest.mark.tables("g1-v23", "g2")
def test_approve_is_the_approve_action(operator, operator_client, make_media):
    row = row_in(make_media, pipeline_status="metadata_collected", rejection_status="accepted")

    data = assert_done(console(operator_client, row.hash, "approve"), "Media approved", row.hash)

    assert state(row.hash)["pipeline_status"] == "media_accepted"
    assert data["pipeline_status"] == "media_accepted"
    assert [record.action for record in history(row.hash)] == ["approve"]


@pytest.mark.tables("g0")
def test_approve_on_g0_answers_409_not_supported(operator_client, make_media):
    row = row_in(make_media, pipeline_status="metadata_collected", rejection_status="accepted")

    with unchanged(row.hash):
        response = console(operator_client, row.hash, "approve")

    assert_refused(response, 409, "Not supported by this table")


def test_finish_is_the_complete_action_with_its_rule(operator_client, make_media, media_table):
    done = row_in(make_media, pipeline_status="transferred", rejection_status="accepted")
    early = row_in(make_media, **PARSED)

    with unchanged(early.hash):
        assert_done(console(operator_client, done.hash, "finish"), "Media finished", done.hash)
        too_early = console(operator_client, early.hash, "finish")

    assert state(done.hash)["pipeline_status"] == "complete"
    assert_refused(too_early, 409, "Invalid transition")
    assert [record.action for record in history()] == ["complete"]


@pytest.mark.tables("g2")
def test_soft_delete_deletes_once_then_answers_409(operator_client, make_media):
    row = row_in(make_media, pipeline_status="complete", rejection_status="accepted")

    first = console(operator_client, row.hash, "soft_delete")
    with unchanged(row.hash):
        second = console(operator_client, row.hash, "soft_delete")

    assert_done(first, "Media soft-deleted", row.hash)
    assert state(row.hash) == {
        "pipeline_status": "complete",
        "rejection_status": "rejected",
        "rejection_reason": "user deletion",
        "error_status": False,
        "error_condition": None,
        "deleted": True,
    }
    assert_refused(second, 409, "Media deleted")
    assert [record.action for record in history(row.hash)] == ["delete"]


@pytest.mark.tables("g2")
@pytest.mark.parametrize("route", ["pipeline", "approve", "finish", "soft_delete"])
def test_every_console_route_refuses_a_deleted_row(operator_client, make_media, route):
    row = row_in(make_media, pipeline_status="downloaded", deleted_at=LONG_AGO)

    with unchanged(row.hash):
        response = console(
            operator_client, row.hash, route, {"hash": row.hash, "error_status": True}
        )

    assert_refused(response, 409, "Media deleted")


@pytest.mark.tables("g2")
@pytest.mark.parametrize("route", ["pipeline", "approve", "finish", "soft_delete"])
def test_every_console_route_needs_an_operator_and_takes_if_match(
    api_client, operator_client, make_media, route
):
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")
    body = {"hash": row.hash, "error_status": True}

    with unchanged(row.hash):
        anonymous = console(api_client, row.hash, route, body)
        stale = console(operator_client, row.hash, route, body, headers={"If-Match": '"1-2"'})

    assert_refused(anonymous, 401, "Authentication required")
    assert_refused(stale, 412, "Precondition failed")
    assert history() == []


@pytest.mark.tables("g2")
def test_with_auth_disabled_the_console_needs_no_token(settings, api_client, make_media):
    settings.AUTH_DISABLED = True
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")

    response = console(api_client, row.hash, "finish")

    assert_done(response, "Media finished", row.hash)
    assert history(row.hash)[0].changed_by_name == "anonymous"


def test_the_consoles_reads_work_as_they_did(api_client, make_media, media_table):
    rows = make_media(30, seed=61)
    errors = [row for row in rows if row.error_status]

    by_update = api_client.get(reverse("media-list"), {"sort_by": "updated_at", "limit": 5})
    counted = api_client.get(reverse("media-list"), {"error_status": "true", "limit": 1000})
    one_status = api_client.get(reverse("media-list"), {"pipeline_status": "complete"})

    assert by_update.status_code == counted.status_code == one_status.status_code == 200
    assert counted.json()["pagination"]["total"] == len(errors)
    assert {item["pipeline_status"] for item in one_status.json()["data"]} <= {"complete"}
