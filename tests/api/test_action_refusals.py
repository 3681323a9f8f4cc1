"""Every refusal of POST /rear-diff/media/{hash}/actions/{name}: its answer, and nothing changed.

Each test compares the whole row before and after the call, and the history.
"""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.throttling import SimpleRateThrottle

from media.operators import operator_create, token_issue
from tests.support.api import item_path, token_client
from tests.support.operators import (
    ALL_ACTIONS,
    INGESTED,
    PARSED,
    act,
    assert_refused,
    deleted_row_in,
    history,
    row_in,
)
from tests.support.rows import ABSENT_HASH, fetch_row, unchanged

pytestmark = pytest.mark.usefixtures("clear_throttles")

# (action, the row's state, what the action needs, as the 409 says it), on every generation.
INVALID = {
    "re-ingest an ingested row": ("re-ingest", INGESTED, "pipeline_status other than ingested"),
    "override an override": (
        "override",
        {"pipeline_status": "parsed", "rejection_status": "override"},
        "rejection_status other than override",
    ),
    "reject a downloading row": (
        "reject",
        {"pipeline_status": "downloading", "rejection_status": "accepted"},
        None,  # the live labels: below, per generation
    ),
    "clear an error the row does not have": ("clear-error", PARSED, "error_status true"),
    "complete a row that is not downloaded": (
        "complete",
        INGESTED,
        "pipeline_status one of: downloaded, transferred",
    ),
}
REJECT_FROM = {
    "g0": "ingested, paused, parsed, metadata_collected",
    "g1": "ingested, paused, parsed, file_accepted, metadata_collected, media_accepted",
}


@pytest.mark.parametrize("case", list(INVALID.values()), ids=list(INVALID))
def test_an_invalid_transition_answers_409_naming_the_rule_and_changes_nothing(
    operator_client, make_media, media_table, case
):
    name, before, needs = case
    needs = needs or "pipeline_status one of: " + REJECT_FROM["g0" if media_table == "g0" else "g1"]
    row = row_in(make_media, **before)

    with unchanged(row.hash):
        response = act(operator_client, row.hash, name, {"reason": "because"})

    body = assert_refused(response, 409, "Invalid transition")
    assert body["details"] == {
        "action": name,
        "pipeline_status": before["pipeline_status"],
        "rejection_status": before["rejection_status"],
        "error_status": False,
        "deleted": False,
        "needs": needs,
    }
    assert body["message"] == (
        f"{name} is not allowed on media {row.hash}: it needs {needs}. Nothing was changed."
    )
    assert history() == []


@pytest.mark.tables("g1-v23", "g2")
def test_approve_refuses_a_row_already_downloading(operator_client, make_media):
    row = row_in(make_media, pipeline_status="downloading", rejection_status="accepted")

    with unchanged(row.hash):
        body = assert_refused(act(operator_client, row.hash, "approve"), 409, "Invalid transition")

    assert body["details"]["needs"] == (
        "pipeline_status one of: ingested, paused, parsed, rejected, file_accepted, "
        "metadata_collected"
    )


@pytest.mark.tables("g2")
def test_restore_refuses_a_row_that_is_not_deleted(operator_client, make_media):
    row = row_in(make_media, pipeline_status="complete", rejection_status="accepted")

    with unchanged(row.hash):
        body = assert_refused(act(operator_client, row.hash, "restore"), 409, "Invalid transition")

    assert body["details"]["needs"] == "a deleted row"
    assert history() == []


@pytest.mark.tables("g2")
@pytest.mark.parametrize("name", [name for name in ALL_ACTIONS if name != "restore"])
def test_every_action_but_restore_refuses_a_soft_deleted_row(operator_client, make_media, name):
    row = deleted_row_in(
        make_media,
        pipeline_status="downloaded",
        error_status=True,
        error_condition="transmission: torrent stalled",
    )

    with unchanged(row.hash):
        response = act(operator_client, row.hash, name, {"reason": "why not"})

    assert_refused(response, 409, "Media deleted")
    assert history() == []


def assert_not_supported(client, make_media, name, why):
    row = row_in(make_media, **PARSED)

    with unchanged(row.hash):
        body = assert_refused(act(client, row.hash, name), 409, "Not supported by this table", why)

    assert "details" not in body
    assert history() == []


NO_DELETED_AT = "{} needs the column deleted_at, which this table lacks."


@pytest.mark.tables("g0")
@pytest.mark.parametrize(
    ("name", "why"),
    [
        (
            "approve",
            "approve sets pipeline_status to media_accepted, a label this table's "
            "pipeline_status does not have.",
        ),
        ("delete", NO_DELETED_AT.format("delete")),
    ],
)
def test_g0_answers_409_not_supported_for_approve_and_delete(
    operator_client, make_media, name, why
):
    assert_not_supported(operator_client, make_media, name, why)


@pytest.mark.tables("g1-v23")
@pytest.mark.parametrize("name", ["delete", "restore"])
def test_a_table_without_soft_delete_answers_409_not_supported(operator_client, make_media, name):
    assert_not_supported(operator_client, make_media, name, NO_DELETED_AT.format(name))


@pytest.mark.parametrize(
    ("name", "body", "field", "message"),
    [
        (
            "promote",
            None,
            "action",
            "Unknown action 'promote'; one of: " + ", ".join(ALL_ACTIONS) + ".",
        ),
        ("reject", None, "reason", "reject needs a reason."),
        ("reject", {"reason": "   "}, "reason", "reject needs a reason."),
        (
            "reject",
            {"reason": "x" * 501},
            "reason",
            "Ensure this field has no more than 500 characters.",
        ),
        (
            "override",
            {"note": "x" * 2001},
            "note",
            "Ensure this field has no more than 2000 characters.",
        ),
        ("override", {"reason": 7.5e300, "note": ["a"]}, "note", "Not a valid string."),
        # The schema says string: a number is refused, not written as its digits.
        ("override", {"note": 0}, "note", "Not a valid string."),
        ("reject", {"reason": 265}, "reason", "Not a valid string."),
    ],
)
def test_a_bad_request_answers_400_naming_the_field_and_changes_nothing(
    operator_client, make_media, media_table, name, body, field, message
):
    row = row_in(make_media, **PARSED)

    with unchanged(row.hash):
        response = act(operator_client, row.hash, name, body)

    answer = assert_refused(response, 400, "Invalid request")
    assert answer["details"][field] == [message]
    assert history() == []


@pytest.mark.parametrize("raw", ["[1, 2]", "{not json", '"reason"'])
def test_a_malformed_body_answers_400(operator_client, make_media, media_table, raw):
    row = row_in(make_media, **PARSED)

    with unchanged(row.hash):
        response = operator_client.post(
            f"/rear-diff/media/{row.hash}/actions/override", raw, content_type="application/json"
        )

    assert_refused(response, 400, "Invalid request")


@pytest.mark.parametrize("hash_value", [ABSENT_HASH, "not-a-hash", "0" * 39 + "%00"])
def test_an_absent_or_malformed_hash_answers_404(operator_client, sample_media, hash_value):
    with unchanged(sample_media.hash):
        response = act(operator_client, hash_value, "re-ingest")

    assert_refused(response, 404, "Media not found")
    assert history() == []


def test_a_stale_if_match_answers_412_and_changes_nothing(operator_client, make_media):
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")
    stale = operator_client.get(item_path(row.hash)).headers["ETag"]
    assert act(operator_client, row.hash, "override").status_code == 200

    with unchanged(row.hash):
        response = act(operator_client, row.hash, "complete", headers={"If-Match": stale})

    assert_refused(response, 412, "Precondition failed")
    assert [record.action for record in history(row.hash)] == ["override"]


@pytest.fixture
def patcher_client(db):
    """A user with only the rejection-status permission (no operators' group), by token."""
    user, _ = operator_create(username="patcher")
    user.groups.clear()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="media", codename="change_rejection_status")
    )
    return token_client(token_issue(username="patcher"))


@pytest.mark.tables("g2")
@pytest.mark.parametrize(
    ("caller", "status", "error", "challenge"),
    [
        ("api_client", 401, "Authentication required", "Token"),
        ("patcher_client", 403, "Permission denied", None),
    ],
    ids=["no credentials", "only the rejection-status permission"],
)
def test_a_caller_who_may_not_act_gets_401_or_403_and_changes_nothing(
    request, make_media, caller, status, error, challenge
):
    """Only a 401 asks for credentials (WWW-Authenticate); a 403 has nothing to ask for."""
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")

    with unchanged(row.hash):
        response = act(request.getfixturevalue(caller), row.hash, "complete")

    assert_refused(response, status, error)
    assert response.headers.get("WWW-Authenticate") == challenge
    assert history() == []


@pytest.mark.tables("g2")
def test_too_many_actions_answer_429_with_retry_after(monkeypatch, operator_client, make_media):
    # DRF binds the rates at import (see test_throttling.py): set them on the class.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "anon": None, "write": "2/min"},
    )
    done = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")
    untouched = row_in(make_media, **PARSED)
    answers = [act(operator_client, done.hash, "complete").status_code for _ in range(2)]

    third = act(operator_client, untouched.hash, "override")

    assert answers == [200, 409]
    assert_refused(third, 429, "Too many requests")
    assert "Retry-After" in third.headers
    assert fetch_row(untouched.hash)["rejection_status"] == "unfiltered"
