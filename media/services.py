"""Writes to the pipeline's table. The service changes one column, nothing else."""

from django.db import transaction
from django.utils.http import parse_etags

from media.exceptions import MediaNotFound, PreconditionFailed
from media.models import Media, RejectionStatusChange

ANONYMOUS = "anonymous"


def media_set_rejection_status(
    *,
    hash: str,
    rejection_status: str,
    changed_by=None,
    request_id: str = "",
    if_match: str | None = None,
) -> Media:
    """Set a row's rejection status, record who did it; return the row as now stored.

    One transaction: lock the row (so no two writers both pass the If-Match
    check), compare its ETag, UPDATE the one column (the table's triggers then
    refresh updated_at and clear rejection_reason unless rejected), re-read
    the row, and write the audit record. If any step fails, nothing is changed.
    """
    with transaction.atomic():
        try:
            current = (
                Media.objects.select_for_update()
                .only("hash", "rejection_status", "updated_at")
                .get(hash=hash)
            )
        except Media.DoesNotExist:
            raise MediaNotFound(hash) from None
        if if_match is not None:
            tags = parse_etags(if_match)
            if "*" not in tags and current.etag not in tags:
                raise PreconditionFailed(hash, current.etag)
        Media.objects.filter(hash=hash).update(rejection_status=rejection_status)
        media = Media.objects.get(hash=hash)
        user = changed_by if changed_by is not None and changed_by.is_authenticated else None
        RejectionStatusChange.objects.create(
            media_hash=hash,
            old_status=current.rejection_status,
            new_status=media.rejection_status,
            changed_by=user,
            changed_by_name=user.get_username() if user else ANONYMOUS,
            changed_at=media.updated_at,
            request_id=request_id,
        )
        return media
