"""The histories: every write made through the service, and one row's."""

from rest_framework import viewsets
from rest_framework.decorators import action

from media.api import schema
from media.api.exceptions import ErrorShape
from media.api.serializers import MediaChangeSerializer
from media.filters import MediaChangeFilter
from media.models import MediaChange
from media.selectors import media_change_list, media_get


class RowHistoryView:
    """GET /rear-diff/media/{hash}/history."""

    @schema.row_history
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        serializer_class=MediaChangeSerializer,
        authenticated_only=True,
    )
    def history(self, request, hash=None):
        """The rejection-status changes made through this service, newest first.

        Needs an authenticated user (a token or a session), whatever the mode.
        """
        row = media_get(hash=hash, include_deleted=True)
        changes = MediaChange.objects.filter(media_hash=row.item["hash"])
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@schema.history_list
class HistoryViewSet(viewsets.GenericViewSet):
    """Every write made through the service, newest first: the action, each column it changed
    (old and new, after the triggers), the reason and note, the batch, who, when, the request.

    Filters: `hash`, `action`, `changed_by`, `batch_id`, `since`/`until` (ISO
    8601); paged like the list with `limit`/`offset`. Needs an authenticated user
    (a token or a session), whatever the mode.
    """

    queryset = MediaChange.objects.none()
    authenticated_only = True
    serializer_class = MediaChangeSerializer
    filterset_class = MediaChangeFilter
    error_shape = ErrorShape.READ

    def list(self, request):
        page = media_change_list(query=request.query_params)
        self.paginator.set_page(page, request)
        return self.paginator.get_paginated_response(
            self.get_serializer(page.items, many=True).data
        )
