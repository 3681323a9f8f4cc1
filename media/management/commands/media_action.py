"""Run an operator action on rows from the shell: the API's bulk, its validation, its history."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from media.actions import ACTIONS
from media.api.permissions import CHANGE_PIPELINE_STATUS
from media.api.serializers import BulkSerializer
from media.errors import MediaError
from media.services import media_bulk_act


class Command(BaseCommand):
    help = (
        "Run an action (" + ", ".join(ACTIONS) + ") on rows by hash, all or nothing, recorded "
        "in the history under --as USER (an operator; required unless AUTH_DISABLED)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=list(ACTIONS))
        parser.add_argument("hashes", nargs="+", metavar="hash")
        parser.add_argument("--reason", default="", help="Why (reject needs one).")
        parser.add_argument("--note", default="", help="Anything else for the history.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )
        parser.add_argument(
            "--as", dest="as_user", metavar="USER", help="The operator recorded as the author."
        )

    def handle(self, *args, action, hashes, reason, note, dry_run, as_user, **options):
        user = self._author(as_user)
        body = BulkSerializer(
            data={
                "action": action,
                "hashes": hashes,
                "reason": reason,
                "note": note,
                "dry_run": dry_run,
            }
        )
        if not body.is_valid():
            raise CommandError(f"Invalid request: {body.errors}")
        request_id = uuid.uuid4().hex
        try:
            batch = media_bulk_act(**body.validated_data, changed_by=user, request_id=request_id)
        except MediaError as exc:
            raise CommandError(_refusal(exc)) from exc
        for row in batch.rows:
            item = row.item
            self.stdout.write(
                f"{item['hash']} {item['pipeline_status']} {item['rejection_status']}"
                + (" (deleted)" if item.get("deleted_at") else "")
            )
        if batch.dry_run:
            self.stdout.write(f"Dry run: {len(batch.rows)} rows would change; nothing was written.")
        else:
            self.stdout.write(
                f"{action}: {len(batch.rows)} rows changed, batch {batch.batch_id}, "
                f"request {request_id}."
            )

    @staticmethod
    def _author(username):
        """The operator named by --as: who the history records (anonymous with AUTH_DISABLED)."""
        if username is None:
            if settings.AUTH_DISABLED:
                return None
            raise CommandError("Say who you are: --as USER (an operator).")
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        if not (settings.AUTH_DISABLED or user.has_perm(CHANGE_PIPELINE_STATUS)):
            raise CommandError(f"{username} lacks the permission {CHANGE_PIPELINE_STATUS}.")
        return user


def _refusal(exc: MediaError) -> str:
    """A refusal as the API words it, with each refused row of a batch."""
    lines = [f"{exc.title}: {exc.message}"]
    for result in getattr(exc, "results", []):
        if result["status"] != 200:
            lines.append(f"  {result['hash']}: {result['status']} {result['message']}")
    return "\n".join(lines)
