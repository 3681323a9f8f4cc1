"""The media list and one row: GET /rear-diff/media, its facets, GET and PATCH .../{hash}.

MediaViewSet is the router's one viewset for /rear-diff/media: the actions,
the console's routes, a row's history and the table's layout are its mixins
(media.api.views.actions, .console, .history, .table).
"""

import orjson
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from media.api import schema
from media.api.cached_read import Read, cached_read
from media.api.exceptions import ErrorShape
from media.api.permissions import CHANGE_REJECTION_STATUS
from media.api.serializers import (
    FacetsSerializer,
    MediaItemSerializer,
    MediaSerializer,
    RejectionStatusUpdatedSerializer,
    RejectionStatusUpdateSerializer,
)
from media.api.throttling import AnonymousRateThrottle, WriteRateThrottle
from media.api.views.actions import ActionViews
from media.api.views.console import ConsoleViews
from media.api.views.events import EventsView
from media.api.views.history import RowHistoryView
from media.api.views.table import TableView
from media.api.views.writes import one_row
from media.filters import FacetFilter, ItemQueryForm, MediaFilter
from media.forms import validated
from media.layout import current_layout
from media.models import Media
from media.selectors import media_facets, media_get, media_list
from media.services import media_set_rejection_status


@schema.media_reads
class MediaViewSet(
    ActionViews, ConsoleViews, EventsView, RowHistoryView, TableView, viewsets.GenericViewSet
):
    """Rows of the pipeline's `atp.media` table, as the live table has them.

    The list filters on exact enum values (the table's current labels),
    `error_status`, `imdb_id`, `hash` and a title substring, sorts on any scalar
    column of the table (ties broken by `hash`, so pages never repeat or skip
    rows) and pages with `limit`/`offset`. Soft-deleted rows are hidden unless
    `include_deleted=true`. Every item carries the contract's 32 keys: those the
    table moved to `atp.training` are read from there, those it lacks are null.
    """

    # The selectors read the table; the schema generator reads the model from here.
    queryset = Media.objects.none()
    serializer_class = MediaSerializer
    filterset_class = MediaFilter
    lookup_field = "hash"
    # Any path segment reaches the views (the router's default refuses dots), so
    # a malformed hash gets the endpoint's own error shape, not a routing 404.
    lookup_value_regex = "[^/]+"
    error_shape = ErrorShape.READ
    # The permission a write needs (media.api.permissions.MediaAccess); actions set their own.
    write_permission = CHANGE_REJECTION_STATUS
    # Reads open to anyone the mode lets in; the history action needs a user (MediaAccess).
    authenticated_only = False

    def initial(self, request, *args, **kwargs):
        """DRF's checks, then: a write's body, even an empty one, is declared JSON or absent.

        DRF refuses another Content-Type only when it parses a body, and treats a body
        without one as empty: an HTML form posting nothing would pass. Refused with
        415, no "simple request" a page on another site can send writes.
        https://www.django-rest-framework.org/api-guide/parsers/#how-the-parser-is-determined
        """
        super().initial(request, *args, **kwargs)
        if request.method in SAFE_METHODS:
            return
        if request.content_type:
            parser = self.get_content_negotiator().select_parser(request, self.get_parsers())
            if parser is None:
                raise UnsupportedMediaType(request.content_type)
        elif request.stream is not None:
            raise UnsupportedMediaType("", detail="A body needs Content-Type: application/json.")

    def get_serializer_class(self):
        # An item carries allowed_actions; a list item keeps the contract's keys only.
        if self.action == "retrieve":
            return MediaItemSerializer
        return super().get_serializer_class()

    def list(self, request):
        def compute():
            page = media_list(query=request.query_params)
            self.paginator.set_page(page, request)
            # The items come rendered as JSON (media.selectors): orjson embeds
            # them as they are; the browsable API's renderer needs them parsed.
            items = (
                orjson.Fragment(page.items)
                if request.accepted_renderer.format == "json"
                else orjson.loads(page.items)
            )
            data = self.paginator.get_paginated_response(items).data
            return Read(data, page.validity)

        return cached_read(request, compute)

    def retrieve(self, request, hash=None):
        """One row, with its ETag (the row's version) for a later conditional change."""
        params = validated(ItemQueryForm(request.query_params))

        def compute():
            row = media_get(hash=hash, include_deleted=bool(params["include_deleted"]))
            return Read(self.get_serializer(row.item).data, row.validity, row.etag)

        return cached_read(request, compute)

    @schema.rejection_status
    @action(
        detail=True,
        methods=["patch"],
        url_path="rejection-status",
        url_name="rejection-status",
        error_shape=ErrorShape.COMMAND,
        filterset_class=None,
        pagination_class=None,
        throttle_classes=[AnonymousRateThrottle, WriteRateThrottle],
    )
    def rejection_status(self, request, hash=None):
        """Set `rejection_status` of one row; the body repeats the path's hash.

        The body's `hash` must equal the path's (compared case-insensitively):
        a body that is valid on its own but names another row is refused with
        `400 Hash mismatch`, before any row is looked up. `rejection_status`
        takes the labels the live table's enum has. A soft-deleted row answers
        `409 Media deleted`.

        Needs the permission `media.change_rejection_status` (group `operators`).
        With `If-Match`, the change is made only if the row is unchanged since
        it was read. The answer carries the row as the database holds it after
        its triggers: `updated_at` refreshed and `rejection_reason` cleared
        unless the new status is `rejected`. Every change is recorded in the
        row's history.
        """
        # Validate before looking the row up: a malformed request is a 400
        # even when no row matches.
        serializer = RejectionStatusUpdateSerializer(
            data=request.data, context={"path_hash": hash, "layout": current_layout()}
        )
        serializer.is_valid(raise_exception=True)
        media = media_set_rejection_status(**serializer.validated_data, **one_row(request))
        body = RejectionStatusUpdatedSerializer(
            {"message": "Rejection status updated successfully", "data": media.item}
        ).data
        return Response(body, headers={"ETag": media.etag})

    @schema.facets
    @action(detail=False, methods=["get"], filterset_class=FacetFilter, pagination_class=None)
    def facets(self, request):
        """Counts of the filtered, non-deleted rows per value of each field, in one query.

        Every live label is listed, with 0 where no row has it. Takes any of
        the list's filters (its paging and sort parameters change nothing).
        """

        def compute():
            facets = media_facets(query=request.query_params)
            return Read(FacetsSerializer(facets).data, facets.validity)

        return cached_read(request, compute)
