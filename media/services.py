"""Writes to the pipeline's table. The service changes one column, nothing else."""

from django.db import transaction
from django.db.models import DateTimeField
from django.db.models.expressions import RawSQL
from django.utils.http import parse_etags

from media.exceptions import MediaDeleted, MediaNotFound, PreconditionFailed
from media.layout import TableLayout, follows_layout
from media.models import Media, RejectionStatusChange, row_etag
from media.selectors import ROW_VERSION, MediaRow, media_get

ANONYMOUS = "anonymous"
# now(): the transaction's start, which is also what trigger 1 writes to
# updated_at, where the table has it.
TRANSACTION_TIME = RawSQL("now()", (), output_field=DateTimeField())


@follows_layout
def media_set_rejection_status(
    *,
    hash: str,
    rejection_status: str,
    changed_by=None,
    request_id: str = "",
    if_match: str | None = None,
    layout: TableLayout,
) -> MediaRow:
    """Set a row's rejection status, record who did it; return the row as now stored.

    One transaction: lock the row (so no two writers both pass the If-Match
    check), refuse a soft-deleted row, compare its ETag, UPDATE the one column
    (the table's triggers may then refresh updated_at and clear
    rejection_reason), re-read the row, and write the audit record. If any step
    fails, nothing is changed.
    """
    locked = ["rejection_status", "updated_at"] + (["deleted_at"] if layout.soft_delete else [])
    with transaction.atomic():
        current = (
            Media.objects.select_for_update()
            .filter(hash=hash)
            .order_by()
            .annotate(row_version=ROW_VERSION)
            .values("row_version", *locked)
            .first()
        )
        if current is None:
            raise MediaNotFound(hash)
        if current.get("deleted_at") is not None:
            raise MediaDeleted(hash)
        if if_match is not None:
            etag = row_etag(current["row_version"], current["updated_at"])
            tags = parse_etags(if_match)
            if "*" not in tags and etag not in tags:
                raise PreconditionFailed(hash, etag)
        Media.objects.filter(hash=hash).update(rejection_status=rejection_status)
        media = media_get(hash=hash, include_deleted=True, layout=layout)
        user = changed_by if changed_by is not None and changed_by.is_authenticated else None
        RejectionStatusChange.objects.create(
            media_hash=hash,
            old_status=current["rejection_status"],
            new_status=media.item["rejection_status"],
            changed_by=user,
            changed_by_name=user.get_username() if user else ANONYMOUS,
            changed_at=TRANSACTION_TIME,
            request_id=request_id,
        )
        return media
