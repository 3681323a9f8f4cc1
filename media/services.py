"""Writes to the pipeline's table. The service changes one column, nothing else."""

from django.db import transaction

from media.exceptions import MediaNotFound
from media.models import Media


def media_set_rejection_status(*, hash: str, rejection_status: str) -> Media:
    """Set a row's rejection status; return the row as the database now holds it.

    The change is one UPDATE of one column, so the table's triggers (fresh
    `updated_at`, `rejection_reason` cleared unless rejected) decide the rest.
    The re-read runs in the same transaction, while the UPDATE's row lock
    still keeps every other writer out, so it returns exactly what was written.
    """
    with transaction.atomic():
        updated = Media.objects.filter(hash=hash).update(rejection_status=rejection_status)
        if not updated:
            raise MediaNotFound(hash)
        return Media.objects.get(hash=hash)
