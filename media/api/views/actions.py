"""The operator actions: their table, one action on one row, one action on many rows."""

from rest_framework.decorators import action
from rest_framework.response import Response

from media.actions import ACTIONS
from media.api import schema
from media.api.serializers import (
    ActionBodySerializer,
    ActionDescriptionSerializer,
    BulkResponseSerializer,
    BulkSerializer,
)
from media.api.views.writes import WRITE, author, one_row, path_hash, written
from media.layout import current_layout
from media.services import media_act, media_bulk_act


class ActionViews:
    """GET /rear-diff/media/actions, POST .../{hash}/actions/{name}, POST .../bulk."""

    @schema.action_table
    @action(
        detail=False,
        methods=["get"],
        url_path="actions",
        url_name="actions",
        filterset_class=None,
        pagination_class=None,
    )
    def action_table(self, request):
        """Every action: what it sets, the states it allows it from, whether this table can.

        The same table decides what POST .../actions/{name} and the bulk allow
        and what an item's `allowed_actions` lists.
        """
        context = {"layout": current_layout()}
        data = ActionDescriptionSerializer(ACTIONS.values(), many=True, context=context).data
        return Response({"data": data})

    @schema.act
    @action(
        detail=True,
        methods=["post"],
        url_path=r"actions/(?P<name>[^/]+)",
        url_name="action",
        **WRITE,
    )
    def act(self, request, hash=None, name=None):
        """Run the action `name` on the row: one validated change, recorded in the history.

        Needs the permission `media.change_pipeline_status` (group `operators`).
        Body (optional): `reason` (required by `reject`) and `note`. A refused
        transition answers 409 `Invalid transition` with the row's state and
        what the action needs; nothing changes. The answer carries the row as
        the database holds it after its triggers, with its new ETag.
        """
        body = ActionBodySerializer(data=request.data, context={"action": name})
        body.is_valid(raise_exception=True)
        media = media_act(
            hash=path_hash(hash), action=name, **body.validated_data, **one_row(request)
        )
        return written(f"Action {name} applied", media)

    @schema.bulk
    @action(detail=False, methods=["post"], **WRITE)
    def bulk(self, request):
        """One action on up to 1,000 rows in one transaction: every row changes, or none.

        Give `hashes`, or `filter` (the list's filters) with `expected_count`,
        the number of rows the operator saw it match. Rows are locked in hash
        order; `if_match` maps hashes to ETags. `dry_run` answers the rows as
        they would become and writes nothing. Every row is recorded in the
        history under the answer's `batch_id`.
        """
        body = BulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = media_bulk_act(**body.validated_data, **author(request))
        results = [
            {"hash": row.item["hash"], "status": 200, "data": row.item} for row in batch.rows
        ]
        return Response(
            BulkResponseSerializer(
                {
                    "batch_id": batch.batch_id,
                    "dry_run": batch.dry_run,
                    "count": len(results),
                    "results": results,
                }
            ).data
        )
