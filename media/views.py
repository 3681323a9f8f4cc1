"""The media endpoints: list, retrieve by hash, the rejection-status command, its history."""

import time

from django.db import DatabaseError, connection
from django_guid import get_guid
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from media.exceptions import ErrorShape
from media.filters import INCLUDE_DELETED_HELP, ItemQueryForm, MediaFilter
from media.layout import current_layout
from media.models import HASH_PATTERN_ECMA, Media, RejectionStatusChange
from media.pagination import validated
from media.read_cache import Read, cached_read, read_cache
from media.selectors import media_get, media_list, media_probe
from media.serializers import (
    CommandErrorSerializer,
    ErrorSerializer,
    MediaSerializer,
    RejectionStatusChangeSerializer,
    RejectionStatusUpdatedSerializer,
    RejectionStatusUpdateSerializer,
    TableLayoutSerializer,
)
from media.services import media_set_rejection_status
from media.throttling import WriteRateThrottle

HASH_PARAMETER = OpenApiParameter(
    "hash",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The torrent's info-hash: 40 hexadecimal digits, any case.",
    pattern=HASH_PATTERN_ECMA,
)
INCLUDE_DELETED_PARAMETER = OpenApiParameter(
    "include_deleted", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description=INCLUDE_DELETED_HELP
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The row's version; send it back in If-Match to change it safely.",
)
LIST_ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="A digest of this body; send it back in If-None-Match to revalidate.",
)
IF_NONE_MATCH_HEADER = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Answer 304 with no body if the ETag is still this one.",
)
NOT_MODIFIED = OpenApiResponse(description="Unchanged since the ETag sent in If-None-Match.")
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Change the row only if its ETag is still this one (else 412).",
)


def _errors(serializer, descriptions):
    return {
        code: OpenApiResponse(serializer, description=text) for code, text in descriptions.items()
    }


READ_ERRORS = _errors(
    ErrorSerializer,
    {
        401: "Credentials are missing or invalid (only with READ_AUTH_REQUIRED).",
        429: "Too many unauthenticated requests from this address.",
        500: "The database failed.",
        503: "Query timeout: the database did not answer within DB_STATEMENT_TIMEOUT.",
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="List media",
        parameters=[IF_NONE_MATCH_HEADER, LIST_ETAG_HEADER],
        responses={
            200: MediaSerializer(many=True),
            304: NOT_MODIFIED,
            **_errors(ErrorSerializer, {400: "A query parameter is invalid."}),
            **READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="Get one media row",
        parameters=[HASH_PARAMETER, INCLUDE_DELETED_PARAMETER, IF_NONE_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: MediaSerializer,
            304: NOT_MODIFIED,
            **_errors(
                ErrorSerializer,
                {
                    400: "include_deleted is not true or false.",
                    404: "No row has this hash (or it is soft-deleted).",
                },
            ),
            **READ_ERRORS,
        },
    ),
)
class MediaViewSet(viewsets.GenericViewSet):
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

    def list(self, request):
        def compute():
            page = media_list(query=request.query_params)
            self.paginator.use(page, request)
            data = self.paginator.get_paginated_response(
                self.get_serializer(page.items, many=True).data
            ).data
            return Read(data, page.snapshot)

        return cached_read(request, compute)

    def retrieve(self, request, hash=None):
        """One row, with its ETag (the row's version) for a later conditional change."""
        params = validated(ItemQueryForm(request.query_params))

        def compute():
            row = media_get(hash=hash, include_deleted=bool(params["include_deleted"]))
            return Read(self.get_serializer(row.item).data, row.snapshot, row.etag)

        return cached_read(request, compute)

    @extend_schema(
        summary="Set a row's rejection status",
        parameters=[HASH_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
        request=RejectionStatusUpdateSerializer,
        responses={
            200: RejectionStatusUpdatedSerializer,
            400: OpenApiResponse(
                CommandErrorSerializer,
                description="Invalid body, bad value, or body hash differs from the path's.",
                examples=[
                    OpenApiExample(
                        "Bad value",
                        {
                            "success": False,
                            "error": "Invalid request",
                            "message": "Rejection status must be one of: "
                            "unfiltered, accepted, rejected, override",
                        },
                    ),
                    OpenApiExample(
                        "Hash mismatch",
                        {
                            "success": False,
                            "error": "Hash mismatch",
                            "message": "Path hash and body hash do not match",
                        },
                    ),
                ],
            ),
            **_errors(
                CommandErrorSerializer,
                {
                    401: "Credentials are missing or invalid.",
                    403: "The user lacks the permission media.change_rejection_status.",
                    404: "No row has this hash.",
                    409: "The row is soft-deleted (Media deleted); nothing was changed.",
                    412: "If-Match no longer matches the row's ETag; nothing was changed.",
                    413: "The body is larger than MAX_BODY_BYTES.",
                    415: "The body is not application/json.",
                    429: "Too many writes by this user; see Retry-After.",
                    500: "The database failed; nothing was changed.",
                    503: "Query timeout; nothing was changed.",
                },
            ),
        },
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path="rejection-status",
        url_name="rejection-status",
        error_shape=ErrorShape.COMMAND,
        filterset_class=None,
        pagination_class=None,
        throttle_classes=[AnonRateThrottle, WriteRateThrottle],
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
        media = media_set_rejection_status(
            **serializer.validated_data,
            changed_by=request.user,
            request_id=get_guid() or "",
            if_match=request.headers.get("If-Match"),
        )
        body = RejectionStatusUpdatedSerializer(
            {"message": "Rejection status updated successfully", "data": media.item}
        ).data
        return Response(body, headers={"ETag": media.etag})

    @extend_schema(
        summary="History of a row's rejection status",
        parameters=[HASH_PARAMETER],
        responses={
            200: RejectionStatusChangeSerializer(many=True),
            **_errors(
                ErrorSerializer, {400: "limit or offset is invalid.", 404: "No row has this hash."}
            ),
            **READ_ERRORS,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        serializer_class=RejectionStatusChangeSerializer,
    )
    def history(self, request, hash=None):
        """The rejection-status changes made through this service, newest first."""
        row = media_get(hash=hash, include_deleted=True)
        changes = RejectionStatusChange.objects.filter(media_hash=row.item["hash"])
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="The media table as the service sees it", responses=TableLayoutSerializer
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def table(self, request):
        """The layout served now: each key and its source, enum labels, soft delete.

        The service reads the live table's catalogue at start and follows it as
        the pipeline migrates it; `read_at` says when it last read it.
        """
        return Response(TableLayoutSerializer(current_layout()).data)


class ProbeView(APIView):
    """Probes answer whatever the credentials, permissions or request rate."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class HealthView(ProbeView):
    """Liveness: the process answers, whatever the database does."""

    @extend_schema(
        summary="Liveness",
        responses=inline_serializer("Health", {"status": serializers.CharField()}),
    )
    def get(self, request):
        return Response({"status": "healthy"})


class ReadinessView(ProbeView):
    """Readiness: the database answers and the list's own query works.

    That query reads one row with the served columns and the soft-delete rule,
    so "ready" means the list works; a table without a column the service
    needs is named.
    """

    @extend_schema(
        summary="Readiness",
        responses={
            200: inline_serializer(
                "Readiness",
                {
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                    "media_table": serializers.CharField(),
                    "database_latency_ms": serializers.FloatField(
                        help_text="Round trip of a SELECT 1, measured by this probe."
                    ),
                    "read_cache": serializers.DictField(
                        child=serializers.IntegerField(),
                        help_text="This process's read cache: entries, bytes, limit_bytes, "
                        "hits, misses.",
                    ),
                },
            ),
            503: inline_serializer(
                "NotReady",
                {
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                    "media_table": serializers.CharField(),
                    "details": serializers.CharField(),
                },
            ),
        },
    )
    def get(self, request):
        body = {"status": "ready", "database": "ok", "media_table": "ok"}
        started = time.perf_counter()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            body["database_latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        except DatabaseError:
            body.update(
                status="unavailable",
                database="unreachable",
                media_table="unknown",
                details="The database does not answer.",
            )
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        table = Media._meta.db_table
        try:
            layout = current_layout()
            if layout.exists and not layout.missing_required:
                media_probe()
        except DatabaseError:
            return self.not_ready(body, "unreadable", f"The table {table} cannot be read.")
        if not layout.exists:
            return self.not_ready(body, "missing", f"The table {table} does not exist.")
        if layout.missing_required:
            return self.not_ready(
                body,
                "incomplete",
                f"The table {table} lacks what the service needs: "
                + ", ".join(layout.missing_required)
                + ".",
            )
        body["read_cache"] = read_cache().stats()
        return Response(body)

    @staticmethod
    def not_ready(body, media_table, details):
        body.update(status="unavailable", media_table=media_table, details=details)
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
