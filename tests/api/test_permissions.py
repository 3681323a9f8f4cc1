"""media/api/permissions.py: who may read and who may write, the exact answer of every endpoint.

Modes come from the settings AUTH_DISABLED and READ_AUTH_REQUIRED, which
media/api/permissions.py reads at request time, so the `settings` fixture flips
them per test. Callers: no credentials, a token that matches no user, a user
without media.change_rejection_status, and an operator (group `operators`).
Sessions and tokens themselves are in test_authentication.py.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from media.models import MediaChange
from media.operators import token_issue
from tests.spec import SAMPLE_HASH
from tests.support.api import (
    READY,
    UPDATED,
    command_error,
    history_entry,
    history_path,
    item_path,
    one_page,
    patch_status,
    served_item,
    status_path,
    token_client,
    without_latency,
)
from tests.support.rows import add_change, fetch_row

# Who may do what does not depend on the table's generation: today's is enough.
pytestmark = pytest.mark.tables("g2")

UNKNOWN_TOKEN = "0123456789abcdef0123456789abcdef01234567"
NOT_PROVIDED = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."
NO_PERMISSION = "You do not have permission to perform this action."

ENDPOINTS = {
    "GET list": ("get", reverse("media-list")),
    "GET item": ("get", item_path(SAMPLE_HASH)),
    "GET history": ("get", history_path(SAMPLE_HASH)),
    "GET all history": ("get", reverse("history-list")),
    "PATCH": ("patch", status_path(SAMPLE_HASH)),
    "health": ("get", reverse("health")),
    "ready": ("get", reverse("health-ready")),
    "openapi.json": ("get", reverse("schema")),
}
MODES = {
    "default": {},
    "read auth required": {"READ_AUTH_REQUIRED": True},
    "auth disabled": {"AUTH_DISABLED": True},
    "auth disabled + read auth required": {"AUTH_DISABLED": True, "READ_AUTH_REQUIRED": True},
}
CALLERS = ["anonymous", "bad token", "no permission", "operator"]

# The verified matrix: (mode, caller) -> status per endpoint, in ENDPOINTS' order.
# The histories (hist: a row's, all: every row's) need a user in every mode.
#                list item hist  all PATCH health ready openapi
_OPEN = (200, 200, 200, 200, 200, 200, 200, 200)
_BAD_TOKEN = (401, 401, 401, 401, 401, 200, 200, 401)
_ANONYMOUS_AUTH_DISABLED = (200, 200, 401, 401, 200, 200, 200, 200)
MATRIX = {
    ("default", "anonymous"): (200, 200, 401, 401, 401, 200, 200, 200),
    ("default", "bad token"): _BAD_TOKEN,
    ("default", "no permission"): (200, 200, 200, 200, 403, 200, 200, 200),
    ("default", "operator"): _OPEN,
    ("read auth required", "anonymous"): (401, 401, 401, 401, 401, 200, 200, 200),
    ("read auth required", "bad token"): _BAD_TOKEN,
    ("read auth required", "no permission"): (200, 200, 200, 200, 403, 200, 200, 200),
    ("read auth required", "operator"): _OPEN,
    ("auth disabled", "anonymous"): _ANONYMOUS_AUTH_DISABLED,
    ("auth disabled", "bad token"): _BAD_TOKEN,
    ("auth disabled", "no permission"): _OPEN,
    ("auth disabled", "operator"): _OPEN,
    ("auth disabled + read auth required", "anonymous"): _ANONYMOUS_AUTH_DISABLED,
    ("auth disabled + read auth required", "bad token"): _BAD_TOKEN,
    ("auth disabled + read auth required", "no permission"): _OPEN,
    ("auth disabled + read auth required", "operator"): _OPEN,
}
# Who the audit record names after a successful PATCH.
RECORDED_AS = {"anonymous": "anonymous", "no permission": "reader", "operator": "operator"}


def apply_mode(settings, mode):
    settings.AUTH_DISABLED = False
    settings.READ_AUTH_REQUIRED = False
    for name, value in MODES[mode].items():
        setattr(settings, name, value)


def request(client, endpoint):
    method, path = ENDPOINTS[endpoint]
    if method == "patch":
        return patch_status(client, SAMPLE_HASH, "accepted")
    return client.get(path)


def changes_since(earlier):
    return list(MediaChange.objects.filter(media_hash=SAMPLE_HASH, id__gt=earlier.id))


@pytest.fixture
def callers(api_client, operator_client, reader_client):
    return {
        "anonymous": api_client,
        "bad token": token_client(UNKNOWN_TOKEN),
        "no permission": reader_client,
        "operator": operator_client,
    }


@pytest.fixture
def earlier_change(sample_media):
    """One change already in the row's history, so the history body is not empty."""
    change = add_change(
        SAMPLE_HASH,
        new_status="rejected",
        changed_by_name="someone-earlier",
        changed_at=sample_media.updated_at,
        request_id="earlier-request",
    )
    return MediaChange.objects.get(pk=change.pk)


# The actions the sample row (rejected, rejected, no error) allows on G2
# (docs/api.md, "Operator actions").
SAMPLE_ALLOWED = ["re-ingest", "override", "approve", "delete"]


def expected_200_read(endpoint, earlier_change):
    if endpoint == "GET list":
        return {"data": [served_item(SAMPLE_HASH)], "pagination": one_page(1)}
    if endpoint == "GET item":
        return {**served_item(SAMPLE_HASH), "allowed_actions": SAMPLE_ALLOWED}
    return {"data": [history_entry(earlier_change)], "pagination": one_page(1)}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("mode", list(MODES))
def test_permission_matrix_answers_the_exact_status_and_body(
    settings, callers, earlier_change, mode, caller, endpoint
):
    apply_mode(settings, mode)
    expected_status = MATRIX[mode, caller][list(ENDPOINTS).index(endpoint)]
    before = fetch_row(SAMPLE_HASH)

    response = request(callers[caller], endpoint)

    assert response.status_code == expected_status, response.content
    body = response.json()
    credentials_message = INVALID_TOKEN if caller == "bad token" else NOT_PROVIDED
    if endpoint == "PATCH":
        if expected_status == 200:
            (change,) = changes_since(earlier_change)
            assert body == {
                "success": True,
                "message": UPDATED,
                "data": {**served_item(SAMPLE_HASH), "allowed_actions": SAMPLE_ALLOWED},
            }
            assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
            assert (change.old_status, change.new_status) == ("rejected", "accepted")
            assert change.changed_by_name == RECORDED_AS[caller]
        else:
            error = "Authentication required" if expected_status == 401 else "Permission denied"
            message = credentials_message if expected_status == 401 else NO_PERMISSION
            assert body == command_error(error, message)
            assert fetch_row(SAMPLE_HASH) == before
            assert changes_since(earlier_change) == []
    elif endpoint == "health":
        assert body == {"status": "healthy"}
    elif endpoint == "ready":
        assert without_latency(body) == READY
    elif expected_status == 401:
        assert body == {"error": "Authentication required", "details": credentials_message}
    elif endpoint == "openapi.json":
        assert body["openapi"].startswith("3.")
        assert "/rear-diff/media/{hash}/rejection-status" in body["paths"]
    else:
        assert body == expected_200_read(endpoint, earlier_change)


@pytest.mark.parametrize(
    "endpoint", ["GET list", "GET item", "GET history", "GET all history", "PATCH"]
)
@pytest.mark.parametrize("caller", ["anonymous", "bad token"])
def test_401_carries_www_authenticate_token(settings, callers, sample_media, caller, endpoint):
    settings.READ_AUTH_REQUIRED = True

    response = request(callers[caller], endpoint)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_403_for_a_user_without_the_permission_carries_no_www_authenticate(callers, sample_media):
    response = request(callers["no permission"], "PATCH")

    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers


def test_patch_of_an_absent_row_without_credentials_answers_401_not_404(api_client, db):
    """Refusal comes before any lookup: an anonymous caller learns nothing about rows."""
    response = patch_status(api_client, "0" * 40, "accepted")

    assert response.status_code == 401
    assert response.json() == command_error("Authentication required", NOT_PROVIDED)


def test_the_permission_not_the_group_name_is_what_grants_writes(reader, sample_media):
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="media", codename="change_rejection_status")
    )

    response = request(token_client(token_issue(username=reader.username)), "PATCH")

    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
