"""Writes to the pipeline's table: validated changes of the columns its stages react to.

Every write, of one row or a batch, is the same sequence in one transaction:
lock the rows in hash order (two batches never wait on each other in a
circle), refuse what may not change (a missing or soft-deleted row, a stale
If-Match, a transition media.actions does not allow), run the UPDATEs, re-read
the rows as the table's triggers left them, and record one history entry per
row. If any step fails, nothing is changed.
"""

import uuid
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import transaction
from django.db.models import DateTimeField, Q
from django.db.models.expressions import RawSQL
from django.utils.http import parse_etags

from media.actions import (
    ACTIONS,
    DELETED,
    MAX_BATCH,
    PIPELINE_WRITE,
    REJECTION_STATUS_WRITE,
    Action,
    Condition,
    Input,
    Step,
    row_value,
)
from media.errors import (
    BatchRefused,
    CountChanged,
    InvalidRequest,
    InvalidTransition,
    MediaDeleted,
    MediaError,
    MediaNotFound,
    NotSupported,
    PreconditionFailed,
    TooManyRows,
    form_messages,
)
from media.filters import MediaFilter
from media.layout import TableLayout, follows_layout
from media.models import Media, MediaChange, row_etag, row_version_tag
from media.selectors import ROW_VERSION, MediaRow, media_served
from media.values import json_value

ANONYMOUS = "anonymous"
# now(): the transaction's start, which is also what trigger 1 writes to
# updated_at, where the table has it.
TRANSACTION_TIME = RawSQL("now()", (), output_field=DateTimeField())


@dataclass(frozen=True)
class Write:
    """What a write does: its name in the history, its UPDATEs, the rule it obeys, why."""

    name: str
    steps: tuple[Step, ...]
    action: Action | None = None  # None: no transition rule (the PATCH, the console's route)
    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class Author:
    """Who writes, through which request: its id as logged (maybe the client's), and the
    service's own (unique; the same id when the service chose the first)."""

    user: object = None
    request_id: str = ""
    service_request_id: str = ""

    @property
    def known_user(self):
        user = self.user
        return user if user is not None and user.is_authenticated else None

    @property
    def name(self) -> str:
        user = self.known_user
        return user.get_username() if user else ANONYMOUS


@dataclass(frozen=True)
class Batch:
    batch_id: uuid.UUID | None  # None for a dry run: nothing is recorded under it
    rows: list[MediaRow]
    dry_run: bool


@follows_layout
def media_set_rejection_status(
    *,
    hash: str,
    rejection_status: str,
    changed_by=None,
    request_id: str = "",
    service_request_id: str = "",
    if_match: str | None = None,
    layout: TableLayout,
) -> MediaRow:
    """Set a row's rejection status, record who did it; return the row as now stored.

    No transition rule: any label of the live enum, on any row not soft-deleted.
    The triggers may then refresh updated_at and clear rejection_reason.
    """
    write = Write(REJECTION_STATUS_WRITE, (Step({"rejection_status": rejection_status}),))
    return _write_one(
        hash, write, Author(changed_by, request_id, service_request_id), if_match, layout
    )


@follows_layout
def media_set_pipeline_state(
    *,
    hash: str,
    columns: Mapping[str, object],
    changed_by=None,
    request_id: str = "",
    service_request_id: str = "",
    if_match: str | None = None,
    layout: TableLayout,
) -> MediaRow:
    """Set exactly the given state columns (the console's route): no transition rule."""
    write = Write(PIPELINE_WRITE, (Step(dict(columns)),))
    return _write_one(
        hash, write, Author(changed_by, request_id, service_request_id), if_match, layout
    )


@follows_layout
def media_act(
    *,
    hash: str,
    action: str,
    reason: str = "",
    note: str = "",
    changed_by=None,
    request_id: str = "",
    service_request_id: str = "",
    if_match: str | None = None,
    layout: TableLayout,
) -> MediaRow:
    """Run one action of media.actions on one row; return the row as the database now holds it."""
    write = _action_write(action, reason, note, layout)
    return _write_one(
        hash, write, Author(changed_by, request_id, service_request_id), if_match, layout
    )


@follows_layout
def media_bulk_act(
    *,
    action: str,
    hashes: Sequence[str] | None = None,
    filter: Mapping | None = None,
    expected_count: int | None = None,
    if_match: Mapping[str, str] | None = None,
    reason: str = "",
    note: str = "",
    dry_run: bool = False,
    changed_by=None,
    request_id: str = "",
    service_request_id: str = "",
    layout: TableLayout,
) -> Batch:
    """Run one action on many rows, all or nothing: the rows by hash, or those a filter matches.

    A filter batch must match exactly `expected_count` rows when it is locked
    (the operator acts on what they saw) and at most MAX_BATCH. Any row that
    refuses refuses the batch (BatchRefused, one result per row). A dry run
    runs the same UPDATEs in a savepoint it rolls back: the rows as they
    would become, triggers included, and nothing written or recorded.
    """
    write = _action_write(action, reason, note, layout)
    with transaction.atomic():
        if filter is None:
            locked = _lock(Media.objects.filter(hash__in=hashes), layout)
            found = {row["hash"] for row in locked}
            missing = [value for value in hashes if value not in found]
        else:
            locked, missing = _lock_filtered(filter, expected_count, layout), []
        tags = if_match or {}
        refusals = _refusals(locked, write.action, tags, layout) | {
            value: MediaNotFound(value) for value in missing
        }
        if refusals:
            order = [row["hash"] for row in locked] + missing
            raise BatchRefused([_result(value, refusals.get(value)) for value in order])
        batch_id = None if dry_run else uuid.uuid4()
        rows = _apply(
            locked,
            write,
            Author(changed_by, request_id, service_request_id),
            batch_id,
            layout,
            dry_run,
        )
        return Batch(batch_id=batch_id, rows=rows, dry_run=dry_run)


def _action_write(name: str, reason: str, note: str, layout: TableLayout) -> Write:
    action = ACTIONS[name]
    why = action.unsupported(layout)
    if why:
        raise NotSupported(why)
    return Write(action.name, action.steps, action, reason, note)


def _write_one(hash: str, write: Write, author: Author, if_match, layout) -> MediaRow:
    with transaction.atomic():
        locked = _lock(Media.objects.filter(hash=hash), layout)
        if not locked:
            raise MediaNotFound(hash)
        refusal = _refusals(locked, write.action, {hash: if_match}, layout).get(hash)
        if refusal:
            raise refusal
        (row,) = _apply(locked, write, author, None, layout, dry_run=False)
        return row


def _lock(queryset, layout: TableLayout, limit: int | None = None) -> list[dict]:
    """Lock the rows in hash order: their columns as stored before the write."""
    return _read(queryset.select_for_update(), layout, limit)


def _read(queryset, layout: TableLayout, limit: int | None = None) -> list[dict]:
    """The rows' media columns, row version and the transaction's time, in hash order."""
    rows = (
        queryset.order_by("hash")
        .annotate(row_version=ROW_VERSION, written_at=TRANSACTION_TIME)
        .values("row_version", "written_at", *layout.media_columns)
    )
    return list(rows if limit is None else rows[:limit])


def _lock_filtered(query, expected_count: int, layout: TableLayout) -> list[dict]:
    """Lock what the list's filters match (a QueryDict), refused when it is not what was seen."""
    filterset = MediaFilter(query, queryset=Media.objects.all(), layout=layout)
    if not filterset.form.is_valid():
        raise InvalidRequest({"filter": form_messages(filterset.form.errors)})
    locked = _lock(filterset.qs, layout, limit=MAX_BATCH + 1)
    if len(locked) > MAX_BATCH:
        raise TooManyRows(f"The filter matches more than {MAX_BATCH} rows; narrow it.")
    if len(locked) != expected_count:
        raise CountChanged(expected=expected_count, found=len(locked))
    return locked


def _refusals(
    locked: list[dict], action: Action | None, if_match: Mapping[str, str | None], layout
) -> dict[str, MediaError]:
    """Why each row that may not change may not: soft-deleted, a stale If-Match, the rule."""
    refusals = {}
    for row in locked:
        value = row["hash"]
        if row_value(row, DELETED) and not (action and action.allowed_on_deleted):
            refusals[value] = MediaDeleted(value)
        elif (tags := if_match.get(value)) is not None and not _matches(row, tags):
            refusals[value] = PreconditionFailed(value, _etag(row))
        elif action and not action.allows(row):
            details = action.refusal_details(row, layout)
            refusals[value] = InvalidTransition(value, details=details)
    return refusals


def _etag(row: Mapping) -> str:
    """The row's version as a tag: the part of an item's ETag that If-Match compares."""
    return row_etag(row["row_version"], row.get("updated_at"))


def _matches(row: Mapping, if_match: str) -> bool:
    """Whether the row is still the version a client read: a write guards the media row,
    so a tag read before only atp.training or the layout changed still matches."""
    tags = parse_etags(if_match)
    return "*" in tags or _etag(row) in {row_version_tag(tag) for tag in tags}


def _result(hash: str, refusal: MediaError | None) -> dict:
    if refusal is None:
        return {"hash": hash, "status": 200}
    result = {
        "hash": hash,
        "status": refusal.status_code,
        "error": refusal.title,
        "message": refusal.message,
    }
    if refusal.details is not None:
        result["details"] = refusal.details
    return result


def _apply(locked, write: Write, author: Author, batch_id, layout, dry_run: bool):
    """The UPDATEs, the rows re-read after the triggers, the history (unless a dry run)."""
    hashes = [row["hash"] for row in locked]
    # A dry run writes in a savepoint it rolls back: the rows as they would become.
    with transaction.atomic() if dry_run else nullcontext():
        for step in write.steps:
            rows = Media.objects.filter(hash__in=hashes)
            if step.only_if is not None:
                rows = rows.filter(_q(step.only_if))
            rows.update(**{column: _value(value, write) for column, value in step.sets.items()})
        after = _read(Media.objects.filter(hash__in=hashes), layout)
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        _record(locked, after, write, author, batch_id)
    return media_served(rows=after, layout=layout)


def _q(condition: Condition) -> Q:
    if condition.column == DELETED:
        return Q(deleted_at__isnull=not condition.one_of[0])
    if condition.one_of:
        return Q(**{f"{condition.column}__in": condition.one_of})
    return ~Q(**{f"{condition.column}__in": condition.none_of})


def _value(value, write: Write):
    if value is Input.REASON:
        return write.reason
    if value is Input.NOW:
        return TRANSACTION_TIME
    return value


def _record(before: list[dict], after: list[dict], write: Write, author: Author, batch_id):
    """One history entry per row: every column the write changed, old and new."""
    user = author.known_user
    MediaChange.objects.bulk_create(
        MediaChange(
            media_hash=old["hash"],
            action=write.name,
            old_status=old["rejection_status"],
            new_status=new["rejection_status"],
            changes=_changes(old, new),
            reason=write.reason,
            note=write.note,
            batch_id=batch_id,
            changed_by_id=user.pk if user else None,
            changed_by_name=author.name,
            changed_at=new["written_at"],
            request_id=author.request_id,
            service_request_id=author.service_request_id or author.request_id,
        )
        for old, new in zip(before, after, strict=True)
    )


# What a read of the rows adds to their columns: not part of the row's history.
NOT_COLUMNS = ("row_version", "written_at")


def _changes(old: Mapping, new: Mapping) -> dict:
    return {
        column: {"old": json_value(old[column]), "new": json_value(new[column])}
        for column in old
        if column not in NOT_COLUMNS and old[column] != new[column]
    }
