"""The media endpoints: list, retrieve by hash, the rejection-status command, its history."""

import time

from django.db import DatabaseError, connection
from django.http import Http404
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
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from media.exceptions import COMMAND, QUERY, MediaNotFound
from media.filters import MediaFilter
from media.models import HASH_PATTERN_ECMA, HASH_REGEX, Media, RejectionStatusChange
from media.serializers import (
    CommandErrorSerializer,
    ErrorSerializer,
    MediaSerializer,
    RejectionStatusChangeSerializer,
    RejectionStatusUpdatedSerializer,
    RejectionStatusUpdateSerializer,
)
from media.services import media_set_rejection_status
from media.throttling import WriteRateThrottle

# offset + limit beyond which the list sorts keys only (see paginate_queryset).
DEFERRED_JOIN_DEPTH = 5_000

HASH_PARAMETER = OpenApiParameter(
    "hash",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The torrent's info-hash: 40 hexadecimal digits, any case.",
    pattern=HASH_PATTERN_ECMA,
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The row's version; send it back in If-Match to change it safely.",
)
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
        responses={
            200: MediaSerializer(many=True),
            **_errors(ErrorSerializer, {400: "A query parameter is invalid."}),
            **READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="Get one media row",
        parameters=[HASH_PARAMETER, ETAG_HEADER],
        responses={
            200: MediaSerializer,
            **_errors(ErrorSerializer, {404: "No row has this hash."}),
            **READ_ERRORS,
        },
    ),
)
class MediaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rows of the pipeline's `atp.media` table.

    The list filters on exact enum values, `error_status`, `imdb_id`, `hash` and
    a title substring, sorts on any scalar column (ties broken by `hash`, so
    pages never repeat or skip rows) and pages with `limit`/`offset`.
    """

    queryset = Media.objects.all()
    serializer_class = MediaSerializer
    filterset_class = MediaFilter
    lookup_field = "hash"
    # Any path segment reaches the views (the router's default refuses dots), so
    # a malformed hash gets the endpoint's own error shape, not a routing 404.
    lookup_value_regex = "[^/]+"
    error_format = QUERY

    def get_object(self):
        # Hashes are stored lowercase and compared case-insensitively; a value
        # that cannot be a hash (a NUL byte, say) is absent without a query.
        value = self.kwargs[self.lookup_field].lower()
        if not HASH_REGEX.fullmatch(value):
            raise MediaNotFound(value)
        self.kwargs[self.lookup_field] = value
        try:
            return super().get_object()
        except Http404 as exc:
            raise MediaNotFound(value) from exc

    def filter_queryset(self, queryset):
        """Name every bad query parameter in one 400: filters and limit/offset alike."""
        try:
            return super().filter_queryset(queryset)
        except ValidationError as exc:
            if self.action == "list" and isinstance(exc.detail, dict):
                exc.detail.update(self.paginator.parameter_errors(self.request))
            raise

    def paginate_queryset(self, queryset):
        """One page of rows as tuples (Media.objects.api_rows), sorted the cheapest way.

        Near the top of the table PostgreSQL's bounded sort of whole rows is
        fastest; deeper, sorting only the keys and then reading the page's rows
        by key (a deferred join) is: at 1,000,000 rows, offset 10,000 takes
        580 ms sorting whole rows and 165 ms sorting keys (make bench data).
        """
        if self.action != "list":
            return super().paginate_queryset(queryset)
        depth = self.paginator.get_offset(self.request) + self.paginator.get_limit(self.request)
        if depth <= DEFERRED_JOIN_DEPTH:
            return super().paginate_queryset(queryset.api_rows())
        hashes = super().paginate_queryset(queryset.values_list("hash", flat=True))
        rows = {row[0]: row for row in Media.objects.filter(hash__in=hashes).order_by().api_rows()}
        # A row the pipeline deleted in between is simply not on the page.
        return [rows[hash_value] for hash_value in hashes if hash_value in rows]

    def retrieve(self, request, *args, **kwargs):
        """One row, with its ETag for a later conditional PATCH."""
        media = self.get_object()
        return Response(self.get_serializer(media).data, headers={"ETag": media.etag})

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
        error_format=COMMAND,
        filterset_class=None,
        pagination_class=None,
        throttle_classes=[AnonRateThrottle, WriteRateThrottle],
    )
    def rejection_status(self, request, hash=None):
        """Set `rejection_status` of one row; the body repeats the path's hash.

        Needs the permission `media.change_rejection_status` (group `operators`).
        With `If-Match`, the change is made only if the row is unchanged since
        it was read. The answer carries the row as the database holds it after
        its triggers: `updated_at` refreshed and `rejection_reason` cleared
        unless the new status is `rejected`. Every change is recorded in the
        row's history.
        """
        # Validate before looking the row up: a malformed request is a 400
        # even when no row matches.
        serializer = RejectionStatusUpdateSerializer(data=request.data, context={"path_hash": hash})
        serializer.is_valid(raise_exception=True)
        media = media_set_rejection_status(
            **serializer.validated_data,
            changed_by=request.user,
            request_id=get_guid() or "",
            if_match=request.headers.get("If-Match"),
        )
        body = RejectionStatusUpdatedSerializer(
            {"message": "Rejection status updated successfully", "data": media}
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
        media = self.get_object()
        changes = RejectionStatusChange.objects.filter(media_hash=media.hash)
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


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
    """Readiness: the database answers and the media table is readable."""

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
        try:
            Media.objects.exists()  # SELECT 1 ... LIMIT 1: no sort, no scan
        except DatabaseError:
            body.update(
                status="unavailable",
                media_table="unreadable",
                details=f"The table {Media._meta.db_table} cannot be read.",
            )
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(body)
