"""What the API tests share: paths by URL name, requests as the front-end sends them, and the
contract's messages and bodies they expect.

Paths come from reverse() on the names of media/api/urls.py and config/urls.py;
tests/api/test_paths.py pins each to the contract's literal path. The contract
serves every path with and without a trailing slash: tests of that add "/".
"""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from media.api.serializers import MediaSerializer
from media.selectors import media_get

# --- paths and requests -------------------------------------------------------------

# The read-only admin, where ADMIN_ENABLED mounts it (the admin_on fixture).
ADMIN = "/rear-diff/admin/"


def item_path(hash_value: str) -> str:
    return reverse("media-detail", args=[hash_value])


def status_path(hash_value: str) -> str:
    return reverse("media-rejection-status", args=[hash_value])


def history_path(hash_value: str) -> str:
    return reverse("media-history", args=[hash_value])


def token_client(key: str) -> APIClient:
    """An API client sending `Authorization: Token <key>`, as the front-end does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_in_client() -> APIClient:
    """An API client authenticated as a user without any query (DRF's force_authenticate):
    for reads that need a user while the database is down or locked."""
    client = APIClient()
    client.force_authenticate(get_user_model()(username="signed-in"))
    return client


def patch_json(client, path_hash: str, body, **options):
    """PATCH `body` as JSON to the rejection-status path of `path_hash` (options: headers=...)."""
    return client.patch(status_path(path_hash), body, format="json", **options)


def patch_status(client, hash_value: str, rejection_status: str = "accepted", **options):
    """PATCH a row's rejection status as the front-end does: the same hash in path and body."""
    body = {"hash": hash_value, "rejection_status": rejection_status}
    return patch_json(client, hash_value, body, **options)


def patch_raw(client, path_hash: str, raw, content_type: str = "application/json"):
    """PATCH a body sent byte for byte (str or bytes) to the rejection-status path."""
    return client.patch(status_path(path_hash), raw, content_type=content_type)


def log_in(client, username: str, password: str, *, url: str | None = None, **extra):
    """Log in through a login form (the browsable API's unless `url` names another) as a browser
    does: GET it, POST it with its CSRF token. The POST's response (302 to the list when the
    password is right). `extra`: the request's META, such as REMOTE_ADDR."""
    url = url or reverse("rest_framework:login")
    form = client.get(url, **extra)
    assert form.status_code == 200
    return client.post(
        url,
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "next": reverse("media-list"),
        },
        **extra,
    )


def get_json(client, path: str, params: dict | None = None, **options) -> dict:
    """The body of a GET that must answer 200 with JSON."""
    response = client.get(path, params, **options)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def fetch_schema() -> dict:
    """The OpenAPI document as the service serves it now (its settings apply)."""
    response = APIClient().get(reverse("schema"))
    assert response.status_code == 200, response.content
    return response.json()


# Readiness's 200 on the test database, which has the change log as `make run`'s does.
READY = {
    "status": "ready",
    "database": "ok",
    "media_table": "ok",
    "change_log": {"mode": "log", "detail": "Cached reads are validated by the change log."},
}


def without_latency(body: dict) -> dict:
    """A readiness body minus what it measures: the latency (a non-negative float) and, when
    ready, the read cache's figures (tests/test_read_cache.py checks their values)."""
    body = dict(body)
    latency = body.pop("database_latency_ms")
    assert isinstance(latency, float) and latency >= 0
    if body.get("status") == "ready":
        assert set(body.pop("read_cache")) == {"entries", "bytes", "limit_bytes", "hits", "misses"}
    return body


def split_link(link: str) -> tuple[str, dict]:
    """A next/previous link as (path, {param: value}); asserts it is path-absolute."""
    parts = urlsplit(link)
    assert link.startswith("/rear-diff/")
    assert (parts.scheme, parts.netloc, parts.fragment) == ("", "", "")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    assert all(len(values) == 1 for values in query.values()), link
    return parts.path, {name: values[0] for name, values in query.items()}


def link(path: str, **params) -> tuple[str, dict]:
    """A link as split_link gives it: its path and its parameters as strings."""
    return (path, {name: str(value) for name, value in params.items()})


def newest_first(rows) -> list[str]:
    """The hashes of `rows` in the list's default order: created_at, then hash, descending."""
    return [row.hash for row in sorted(rows, key=lambda r: (r.created_at, r.hash), reverse=True)]


# What a browser sends: the browsable API answers it with HTML.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def assert_browsable_api_page(response) -> str:
    """The response is a page of DRF's browsable API; its HTML."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Django REST framework" in html
    return html


# --- what the contract answers ------------------------------------------------------

UPDATED = "Rejection status updated successfully"
BAD_STATUS = "Rejection status must be one of: unfiltered, accepted, rejected, override"
NOT_HEX = "Must be 40 hexadecimal characters."
BAD_LIMIT = "Must be an integer from 1 to 1000."
BAD_OFFSET = "Must be an integer >= 0."
BAD_BOOLEAN = "Must be true or false."
BAD_TIME = "Enter an RFC 3339 date-time, e.g. 2025-05-07T20:33:57Z."
# A parameter given with nothing after `=`, where its type has no empty value.
EMPTY_VALUE = "Give a value, or leave the parameter out."
HASH_MISMATCH = {
    "success": False,
    "error": "Hash mismatch",
    "message": "Path hash and body hash do not match",
    "details": {"non_field_errors": ["Path hash and body hash do not match"]},
}
# A timestamp as the contract serves it (served_time writes one).
TIMESTAMP = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")


def invalid_query(**details: str) -> dict:
    """The read shape's 400: one message for each parameter named."""
    return {"error": "Invalid request", "details": {name: [text] for name, text in details.items()}}


def one_of(value: str, allowed) -> str:
    """django-filter's message for a value outside a choice."""
    return f"Select a valid choice. {value} is not one of: {', '.join(allowed)}."


def not_found(hash_value: str) -> dict:
    """The read shape's 404 for a hash no row has."""
    return {"error": "Media not found", "details": f"No media found with hash: {hash_value}"}


def command_error(error: str, message: str, **extra) -> dict:
    """The PATCH's error shape."""
    return {"success": False, "error": error, "message": message, **extra}


def one_page(total: int, limit: int = 100) -> dict:
    """The pagination of a listing that fits on its first page."""
    return {"total": total, "limit": limit, "offset": 0, "next": None, "previous": None}


def served_time(moment: datetime) -> str:
    """A timestamp as the contract serves it: UTC, six fraction digits, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def history_entry(change) -> dict:
    """An audit record as the history serves it."""
    return {
        "id": change.id,
        "media_hash": change.media_hash,
        "action": change.action,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "changes": change.changes,
        "reason": change.reason,
        "note": change.note,
        "batch_id": change.batch_id,
        "changed_by": change.changed_by_name,
        "changed_at": served_time(change.changed_at),
        "request_id": change.request_id,
    }


def served_item(hash_value: str) -> dict:
    """The item the API serves for a row now (soft-deleted rows included), as JSON."""
    item = media_get(hash=hash_value, include_deleted=True).item
    return json.loads(JSONRenderer().render(MediaSerializer(item).data))
