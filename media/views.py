"""The media endpoints: list, retrieve by hash, and the rejection-status command."""

from django.db import DatabaseError, connection
from django.http import Http404
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
from rest_framework.response import Response
from rest_framework.views import APIView

from media.exceptions import COMMAND, QUERY, MediaNotFound
from media.filters import MediaFilter
from media.models import HASH_PATTERN_ECMA, HASH_REGEX, Media
from media.serializers import (
    CommandErrorSerializer,
    ErrorSerializer,
    MediaSerializer,
    RejectionStatusUpdatedSerializer,
    RejectionStatusUpdateSerializer,
)
from media.services import media_set_rejection_status

HASH_PARAMETER = OpenApiParameter(
    "hash",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The torrent's info-hash: 40 hexadecimal digits, any case.",
    pattern=HASH_PATTERN_ECMA,
)
QUERY_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A query parameter is invalid."),
    500: OpenApiResponse(ErrorSerializer, description="The database failed."),
}


@extend_schema_view(
    list=extend_schema(
        summary="List media",
        responses={200: MediaSerializer(many=True), **QUERY_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get one media row",
        parameters=[HASH_PARAMETER],
        responses={
            200: MediaSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No row has this hash."),
            500: QUERY_ERRORS[500],
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

    @extend_schema(
        summary="Set a row's rejection status",
        parameters=[HASH_PARAMETER],
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
            404: OpenApiResponse(CommandErrorSerializer, description="No row has this hash."),
            500: OpenApiResponse(CommandErrorSerializer, description="The database failed."),
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
    )
    def rejection_status(self, request, hash=None):
        """Set `rejection_status` of one row; the body repeats the path's hash.

        The answer carries the row as the database holds it after its triggers:
        `updated_at` refreshed and `rejection_reason` cleared unless the new
        status is `rejected`.
        """
        # Validate before looking the row up: a malformed request is a 400
        # even when no row matches.
        serializer = RejectionStatusUpdateSerializer(data=request.data, context={"path_hash": hash})
        serializer.is_valid(raise_exception=True)
        media = media_set_rejection_status(**serializer.validated_data)
        return Response(
            RejectionStatusUpdatedSerializer(
                {"message": "Rejection status updated successfully", "data": media}
            ).data
        )


class HealthView(APIView):
    """Liveness: the process answers, whatever the database does."""

    @extend_schema(
        summary="Liveness",
        responses=inline_serializer("Health", {"status": serializers.CharField()}),
    )
    def get(self, request):
        return Response({"status": "healthy"})


class ReadinessView(APIView):
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
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
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
