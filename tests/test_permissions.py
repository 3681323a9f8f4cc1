"""Who may read and who may write: the permission matrix of every endpoint.

Modes come from the settings AUTH_DISABLED and READ_AUTH_REQUIRED, which
media/permissions.py reads at request time, so the `settings` fixture flips
them per test. Callers: no credentials, a token that matches no user, a user
without media.change_rejection_status, and an operator (group `operators`).
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from media.models import MediaChange
from media.operators import operator_create, token_issue
from media.serializers import MediaChangeSerializer
from tests.conftest import fetch_row, served_item

# Who may do what does not depend on the table's generation: today's is enough.
pytestmark = [pytest.mark.usefixtures("clear_throttles"), pytest.mark.tables("g2")]

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
UNKNOWN_TOKEN = "0123456789abcdef0123456789abcdef01234567"
UPDATED = "Rejection status updated successfully"
NOT_PROVIDED = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."
NO_PERMISSION = "You do not have permission to perform this action."

ENDPOINTS = {
    "GET list": ("get", "/rear-diff/media"),
    "GET item": ("get", f"/rear-diff/media/{SAMPLE_HASH}"),
    "GET history": ("get", f"/rear-diff/media/{SAMPLE_HASH}/history"),
    "PATCH": ("patch", f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"),
    "health": ("get", "/rear-diff/health"),
    "ready": ("get", "/rear-diff/health/ready"),
    "openapi.json": ("get", "/rear-diff/openapi.json"),
}
MODES = {
    "default": {},
    "read auth required": {"READ_AUTH_REQUIRED": True},
    "auth disabled": {"AUTH_DISABLED": True},
    "auth disabled + read auth required": {"AUTH_DISABLED": True, "READ_AUTH_REQUIRED": True},
}
CALLERS = ["anonymous", "bad token", "no permission", "operator"]

# The verified matrix: (mode, caller) -> status per endpoint, in ENDPOINTS' order
#                list item hist PATCH health ready openapi
_OPEN = (200, 200, 200, 200, 200, 200, 200)
_BAD_TOKEN = (401, 401, 401, 401, 200, 200, 401)
MATRIX = {
    ("default", "anonymous"): (200, 200, 200, 401, 200, 200, 200),
    ("default", "bad token"): _BAD_TOKEN,
    ("default", "no permission"): (200, 200, 200, 403, 200, 200, 200),
    ("default", "operator"): _OPEN,
    ("read auth required", "anonymous"): (401, 401, 401, 401, 200, 200, 200),
    ("read auth required", "bad token"): _BAD_TOKEN,
    ("read auth required", "no permission"): (200, 200, 200, 403, 200, 200, 200),
    ("read auth required", "operator"): _OPEN,
    ("auth disabled", "anonymous"): _OPEN,
    ("auth disabled", "bad token"): _BAD_TOKEN,
    ("auth disabled", "no permission"): _OPEN,
    ("auth disabled", "operator"): _OPEN,
    ("auth disabled + read auth required", "anonymous"): _OPEN,
    ("auth disabled + read auth required", "bad token"): _BAD_TOKEN,
    ("auth disabled + read auth required", "no permission"): _OPEN,
    ("auth disabled + read auth required", "operator"): _OPEN,
}
# Who the audit record names after a successful PATCH.
RECORDED_AS = {"anonymous": "anonymous", "no permission": "reader", "operator": "operator"}


def as_json(data):
    return json.loads(JSONRenderer().render(data))


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(username=user.username)}")
    return client


def apply_mode(settings, mode):
    settings.AUTH_DISABLED = False
    settings.READ_AUTH_REQUIRED = False
    for name, value in MODES[mode].items():
        setattr(settings, name, value)


def request(client, endpoint):
    method, path = ENDPOINTS[endpoint]
    if method == "patch":
        return client.patch(
            path, {"hash": SAMPLE_HASH, "rejection_status": "accepted"}, format="json"
        )
    return client.get(path)


def changes_since(earlier):
    return list(MediaChange.objects.filter(media_hash=SAMPLE_HASH, id__gt=earlier.id))


@pytest.fixture
def reader(db):
    """An authenticated user without media.change_rejection_status."""
    return get_user_model().objects.create_user("reader")


@pytest.fixture
def callers(api_client, operator_client, reader):
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION=f"Token {UNKNOWN_TOKEN}")
    return {
        "anonymous": api_client,
        "bad token": bad,
        "no permission": token_client(reader),
        "operator": operator_client,
    }


@pytest.fixture
def earlier_change(sample_media):
    """One change already in the row's history, so the history body is not empty."""
    change = MediaChange.objects.create(
        media_hash=SAMPLE_HASH,
        old_status="unfiltered",
        new_status="rejected",
        changed_by_name="someone-earlier",
        changed_at=sample_media.updated_at,
        request_id="earlier-request",
    )
    return MediaChange.objects.get(pk=change.pk)


# The actions the sample row (rejected, rejected, no error) allows on G2 (operator-actions.md).
SAMPLE_ALLOWED = ["re-ingest", "override", "approve", "delete"]


def expected_200_read(endpoint, earlier_change):
    item = served_item(SAMPLE_HASH)
    pagination = {"total": 1, "limit": 100, "offset": 0, "next": None, "previous": None}
    if endpoint == "GET list":
        return {"data": [item], "pagination": pagination}
    if endpoint == "GET item":
        return {**item, "allowed_actions": SAMPLE_ALLOWED}
    return {
        "data": [as_json(MediaChangeSerializer(earlier_change).data)],
        "pagination": pagination,
    }


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
            assert body == {"success": False, "error": error, "message": message}
            assert fetch_row(SAMPLE_HASH) == before
            assert changes_since(earlier_change) == []
    elif endpoint == "health":
        assert body == {"status": "healthy"}
    elif endpoint == "ready":
        latency = body.pop("database_latency_ms")
        assert body == {"status": "ready", "database": "ok", "media_table": "ok"}
        assert isinstance(latency, float) and latency >= 0
    elif expected_status == 401:
        assert body == {"error": "Authentication required", "details": credentials_message}
    elif endpoint == "openapi.json":
        assert body["openapi"].startswith("3.")
        assert "/rear-diff/media/{hash}/rejection-status" in body["paths"]
    else:
        assert body == expected_200_read(endpoint, earlier_change)


@pytest.mark.parametrize("endpoint", ["GET list", "GET item", "GET history", "PATCH"])
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
    absent = "0" * 40
    response = api_client.patch(
        f"/rear-diff/media/{absent}/rejection-status",
        {"hash": absent, "rejection_status": "accepted"},
        format="json",
    )

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "Authentication required",
        "message": NOT_PROVIDED,
    }


def test_the_permission_not_the_group_name_is_what_grants_writes(reader, sample_media):
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="media", codename="change_rejection_status")
    )

    response = request(token_client(reader), "PATCH")

    assert response.status_code == 200
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


def test_a_deactivated_operators_token_answers_401(operator, sample_media):
    client = token_client(operator)
    operator.is_active = False
    operator.save()

    response = request(client, "PATCH")

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "Authentication required",
        "message": "User inactive or deleted.",
    }
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_auth_disabled_records_an_anonymous_change_as_anonymous_without_a_user(
    settings, api_client, sample_media
):
    settings.AUTH_DISABLED = True

    response = request(api_client, "PATCH")

    assert response.status_code == 200
    change = MediaChange.objects.get(media_hash=SAMPLE_HASH)
    assert change.changed_by_name == "anonymous"
    assert change.changed_by is None


# --- session authentication (the browsable API) ----------------------------------

PASSWORD = "a-long-operator-password"


@pytest.fixture
def csrf_client(settings):
    # A fast hasher: these tests are about sessions, not password storage.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return APIClient(enforce_csrf_checks=True)


def log_in(client, username, password=PASSWORD):
    """Log in through DRF's login view exactly as a browser does: GET the form, POST it."""
    form = client.get("/rear-diff/api-auth/login/")
    assert form.status_code == 200
    return client.post(
        "/rear-diff/api-auth/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "next": "/rear-diff/media",
        },
    )


def session_patch(client, with_csrf):
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value} if with_csrf else {}
    return client.patch(
        ENDPOINTS["PATCH"][1],
        {"hash": SAMPLE_HASH, "rejection_status": "accepted"},
        format="json",
        headers=headers,
    )


@pytest.fixture
def logged_in_operator(csrf_client, db):
    operator_create(username="session-operator", password=PASSWORD)
    response = log_in(csrf_client, "session-operator")
    assert response.status_code == 302
    assert response.headers["Location"] == "/rear-diff/media"
    return csrf_client


def test_login_form_posted_without_its_csrf_token_is_refused(csrf_client, db):
    operator_create(username="session-operator", password=PASSWORD)
    csrf_client.get("/rear-diff/api-auth/login/")

    response = csrf_client.post(
        "/rear-diff/api-auth/login/", {"username": "session-operator", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "sessionid" not in csrf_client.cookies


def test_login_with_a_wrong_password_does_not_log_in(csrf_client, db):
    operator_create(username="session-operator", password=PASSWORD)

    response = log_in(csrf_client, "session-operator", password="wrong")

    assert response.status_code == 200  # the form again, with its error
    assert "sessionid" not in csrf_client.cookies


def test_session_patch_with_the_csrf_token_answers_200_and_records_the_user(
    logged_in_operator, sample_media
):
    response = session_patch(logged_in_operator, with_csrf=True)

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
    change = MediaChange.objects.get(media_hash=SAMPLE_HASH)
    assert change.changed_by_name == "session-operator"


def test_session_patch_without_the_csrf_token_answers_403_and_changes_nothing(
    logged_in_operator, sample_media
):
    before = fetch_row(SAMPLE_HASH)

    response = session_patch(logged_in_operator, with_csrf=False)

    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": "Permission denied",
        "message": "CSRF Failed: CSRF token missing.",
    }
    assert fetch_row(SAMPLE_HASH) == before
    assert not MediaChange.objects.filter(media_hash=SAMPLE_HASH).exists()


def test_session_patch_by_a_user_without_the_permission_answers_403(csrf_client, sample_media):
    get_user_model().objects.create_user("session-reader", password=PASSWORD)
    assert log_in(csrf_client, "session-reader").status_code == 302

    response = session_patch(csrf_client, with_csrf=True)

    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": "Permission denied",
        "message": NO_PERMISSION,
    }


def test_session_satisfies_read_auth_required(settings, logged_in_operator, sample_media):
    settings.READ_AUTH_REQUIRED = True

    response = logged_in_operator.get(ENDPOINTS["GET item"][1])

    assert response.status_code == 200
    assert response.json()["hash"] == SAMPLE_HASH


def test_after_logout_the_session_no_longer_writes(logged_in_operator, sample_media):
    logout = logged_in_operator.post(
        "/rear-diff/api-auth/logout/",
        headers={"X-CSRFToken": logged_in_operator.cookies["csrftoken"].value},
    )
    assert logout.status_code in (200, 302)

    response = session_patch(logged_in_operator, with_csrf=True)

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "Authentication required",
        "message": NOT_PROVIDED,
    }
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_browsable_api_links_to_login_under_rear_diff(api_client, db):
    response = api_client.get("/rear-diff/media", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "href='/rear-diff/api-auth/login/?next=/rear-diff/media'" in response.content.decode()


def test_browsable_api_links_to_logout_under_rear_diff_when_logged_in(logged_in_operator, db):
    response = logged_in_operator.get("/rear-diff/media", headers={"Accept": "text/html"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "session-operator" in page
    assert 'action="/rear-diff/api-auth/logout/?next=/rear-diff/media"' in page
