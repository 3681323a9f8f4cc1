"""Read the history of writes from the shell: the API's GET /rear-diff/history, as text."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from media.api.serializers import MediaChangeSerializer
from media.errors import InvalidRequest
from media.selectors import media_change_list


class Command(BaseCommand):
    help = "The history of writes made through the service, newest first (the API's filters)."

    def add_arguments(self, parser):
        parser.add_argument("--hash", help="One row's writes.")
        parser.add_argument("--since", help="Writes at or after this ISO 8601 time.")
        parser.add_argument("--until", help="Writes before this ISO 8601 time.")
        parser.add_argument("--action", help="rejection-status, pipeline or an action's name.")
        parser.add_argument("--by", dest="changed_by", help="The author's username.")
        parser.add_argument("--batch", dest="batch_id", help="A bulk request's batch id.")
        parser.add_argument("--limit", default="100", help="At most this many (1..1000).")
        parser.add_argument("--json", action="store_true", help="JSON, as the API serves it.")

    def handle(self, *args, **options):
        names = ["hash", "since", "until", "action", "changed_by", "batch_id", "limit"]
        query = QueryDict(mutable=True)
        query.update({name: options[name] for name in names if options[name] is not None})
        try:
            page = media_change_list(query=query)
        except InvalidRequest as exc:
            raise CommandError(f"Invalid request: {exc.details}") from exc
        records = MediaChangeSerializer(page.items, many=True).data
        if options["json"]:
            self.stdout.write(json.dumps(records, indent=2))
            return
        for record in records:
            changed = ", ".join(
                f"{column} {change['old']} -> {change['new']}"
                for column, change in record["changes"].items()
                if column != "updated_at"
            )
            why = f" reason: {record['reason']}" if record["reason"] else ""
            self.stdout.write(
                f"{record['changed_at']} {record['action']} {record['media_hash']} "
                f"by {record['changed_by']}: {changed or 'no change'}{why}"
            )
        self.stdout.write(f"{len(records)} of {page.total} writes.")
