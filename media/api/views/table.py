"""GET /rear-diff/media/table: the table's layout as the service serves it."""

from rest_framework.decorators import action
from rest_framework.response import Response

from media import change_log
from media.api import schema
from media.api.serializers import TableLayoutSerializer
from media.layout import current_layout


class TableView:
    @schema.table
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def table(self, request):
        """The layout served now: each key and its source, enum labels, soft delete.

        The service reads the live table's catalogue at start and follows it as
        the pipeline migrates it; `read_at` says when it last read it.
        """
        layout = current_layout()
        context = {"change_log": change_log.status(layout)}
        return Response(TableLayoutSerializer(layout, context=context).data)
