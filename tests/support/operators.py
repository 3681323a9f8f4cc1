"""What the operator-action tests share: the requests, a row's state in the database, its history.

The expected states in those tests come from docs/api.md ("Operator actions") and
docs/table.md ("What each stage does to a row", "The triggers"), written out by hand:
they check media.actions, they are not read from it.
"""

from django.db import connection
from django.urls import reverse

from media.models import MediaChange
from tests.support.rows import LONG_AGO, fetch_row

# The columns an action's outcome is judged by (deleted: whether deleted_at is set).
STATE = (
    "pipeline_status",
    "rejection_status",
    "rejection_reason",
    "error_status",
    "error_condition",
)
# A row as the pipeline takes it in, and one waiting for its metadata; neither filtered yet.
INGESTED = {"pipeline_status": "ingested", "rejection_status": "unfiltered"}
PARSED = {"pipeline_status": "parsed", "rejection_status": "unfiltered"}
# What trigger 5 leaves of a row a person deleted, beside its deleted_at.
USER_DELETION = {"rejection_status": "rejected", "rejection_reason": "user deletion"}
ALL_ACTIONS = [
    "re-ingest",
    "override",
    "approve",
    "reject",
    "clear-error",
    "complete",
    "delete",
    "restore",
]


def action_url(hash_value: str, name: str) -> str:
    return reverse("media-action", args=[hash_value, name])


def act(client, hash_value: str, name: str, body=None, **kwargs):
    """POST an action; no body unless given (the body is optional)."""
    if body is None:
        return client.post(action_url(hash_value, name), **kwargs)
    return client.post(action_url(hash_value, name), body, format="json", **kwargs)


def bulk(client, body: dict, **kwargs):
    return client.post(reverse("media-bulk"), body, format="json", **kwargs)


def assert_refused(response, status: int, error: str, message: str | None = None) -> dict:
    """A write answered `status` in the command shape with `error` (and `message`); its body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error"] == error
    if message is not None:
        assert body["message"] == message
    return body


def state(hash_value: str) -> dict:
    """The row's state columns as the database holds them, and whether it is deleted."""
    row = fetch_row(hash_value)
    found = {column: row[column] for column in STATE}
    found["deleted"] = row.get("deleted_at") is not None
    return found


def history(hash_value: str | None = None) -> list[MediaChange]:
    """The history's records (of one row), oldest first."""
    records = MediaChange.objects.order_by("id")
    return list(records if hash_value is None else records.filter(media_hash=hash_value))


def transaction_now():
    """now(): the test's transaction start, which trigger 1 writes into updated_at."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def row_in(make_media, **values):
    """One generated row in a given state, last updated long ago."""
    defaults = {"error_status": False, "error_condition": None, "rejection_reason": None}
    (media,) = make_media(**{**defaults, "created_at": LONG_AGO, "updated_at": LONG_AGO, **values})
    return media


def deleted_row_in(make_media, **values):
    """A row a person deleted long ago, as trigger 5 left it, in a given pipeline state."""
    return row_in(make_media, **{**USER_DELETION, "deleted_at": LONG_AGO, **values})
