"""The media endpoints: list, retrieve, facets, the rejection-status PATCH, the operator actions
and their bulk, the console's routes, the histories, health."""

import time

import orjson
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
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from media import change_log
from media.actions import ACTIONS, MAX_BATCH
from media.exceptions import ErrorShape, MediaNotFound
from media.filters import (
    INCLUDE_DELETED_HELP,
    FacetFilter,
    ItemQueryForm,
    MediaChangeFilter,
    MediaFilter,
)
from media.layout import current_layout
from media.models import HASH_PATTERN_ECMA, HASH_REGEX, Media, MediaChange
from media.openapi import LiveSchemaGenerator
from media.pagination import validated
from media.permissions import CHANGE_PIPELINE_STATUS, CHANGE_REJECTION_STATUS
from media.read_cache import Read, cached_read, read_cache
from media.selectors import media_change_list, media_facets, media_get, media_list, media_probe
from media.serializers import (
    ActionBodySerializer,
    ActionDescriptionSerializer,
    ActionDoneSerializer,
    BulkResponseSerializer,
    BulkSerializer,
    ChangeLogStatusSerializer,
    CommandErrorSerializer,
    ConsoleDoneSerializer,
    ErrorSerializer,
    FacetsSerializer,
    MediaChangeSerializer,
    MediaItemSerializer,
    MediaSerializer,
    PipelineStateUpdateSerializer,
    RejectionStatusUpdatedSerializer,
    RejectionStatusUpdateSerializer,
    TableLayoutSerializer,
)
from media.services import (
    media_act,
    media_bulk_act,
    media_set_pipeline_state,
    media_set_rejection_status,
)
from media.throttling import AnonymousRateThrottle, WriteRateThrottle

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


ACTION_PARAMETER = OpenApiParameter(
    "name",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(ACTIONS),
    description="The action (GET /rear-diff/media/actions describes each).",
)
# What every write through the operator actions shares: the command error
# shape, no list machinery, the write throttle, the operators' permission.
WRITE = {
    "error_shape": ErrorShape.COMMAND,
    "filterset_class": None,
    "pagination_class": None,
    "throttle_classes": [AnonymousRateThrottle, WriteRateThrottle],
    "write_permission": CHANGE_PIPELINE_STATUS,
}


def write_errors(permission: str) -> dict:
    """What any write may answer besides its own 400s and 409s."""
    return {
        401: "Credentials are missing or invalid.",
        403: f"The user lacks the permission {permission}, or a web page of another origin "
        "sent the request.",
        404: "No row has this hash.",
        412: "If-Match no longer matches the row's version (its ETag's first part); nothing "
        "was changed.",
        413: "The body is larger than MAX_BODY_BYTES.",
        415: "The body, even an empty one, is not declared application/json.",
        429: "Too many writes by this user, or failed token authentications from this "
        "address; see Retry-After.",
        500: "The database failed; nothing was changed.",
        503: "Query timeout; nothing was changed.",
    }


WRITE_ERRORS = write_errors(CHANGE_PIPELINE_STATUS)
ACTION_ERRORS = _errors(
    CommandErrorSerializer,
    {
        400: "Unknown action, no reason for reject, an over-long reason or note, or a "
        "malformed body.",
        409: "Invalid transition (`details`: the row's state and what the action needs), "
        "Not supported by this table, or Media deleted; nothing was changed.",
        **WRITE_ERRORS,
    },
)
CONSOLE_ERRORS = _errors(
    CommandErrorSerializer,
    {
        400: "A malformed body, a label the table does not have, or the body's hash differs "
        "from the path's.",
        409: "Invalid transition, Not supported by this table, or Media deleted; nothing was "
        "changed.",
        **WRITE_ERRORS,
    },
)

# The console's routes that are actions: route -> (action, the 200's message).
CONSOLE_ACTIONS = {
    "approve": ("approve", "Media approved"),
    "finish": ("complete", "Media finished"),
    "soft_delete": ("delete", "Media soft-deleted"),
}


def console_route(route: str):
    """Route and document PATCH .../{hash}/<route>, the console's name for an action."""
    name = CONSOLE_ACTIONS[route][0]
    routed = action(
        detail=True,
        methods=["patch"],
        url_path=route,
        url_name=f"console-{route.replace('_', '-')}",
        **WRITE,
    )
    documented = extend_schema(
        summary=f"Console: the {name} action",
        parameters=[HASH_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
        request=None,
        responses={200: ConsoleDoneSerializer, **CONSOLE_ERRORS},
    )
    return lambda method: documented(routed(method))


READ_ERRORS = _errors(
    ErrorSerializer,
    {
        401: "Credentials are missing or invalid (only with READ_AUTH_REQUIRED).",
        429: "Too many unauthenticated requests, or failed token authentications, from this "
        "address; see Retry-After.",
        500: "The database failed.",
        503: "Query timeout: the database did not answer within DB_STATEMENT_TIMEOUT.",
    },
)
# The histories name operators and carry their notes: an authenticated user, in every mode.
HISTORY_READ_ERRORS = {
    **READ_ERRORS,
    **_errors(ErrorSerializer, {401: "Credentials are missing or invalid, in every mode."}),
}


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
            200: MediaItemSerializer,
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
    # The permission a write needs (media.permissions.MediaAccess); actions set their own.
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
            self.paginator.use(page, request)
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
                    **write_errors(CHANGE_REJECTION_STATUS),
                    409: "The row is soft-deleted (Media deleted); nothing was changed.",
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
        media = media_set_rejection_status(**serializer.validated_data, **_one_row(request))
        body = RejectionStatusUpdatedSerializer(
            {"message": "Rejection status updated successfully", "data": media.item}
        ).data
        return Response(body, headers={"ETag": media.etag})

    @extend_schema(
        summary="History of a row's rejection status",
        parameters=[HASH_PARAMETER],
        responses={
            200: MediaChangeSerializer(many=True),
            **_errors(
                ErrorSerializer, {400: "limit or offset is invalid.", 404: "No row has this hash."}
            ),
            **HISTORY_READ_ERRORS,
        },
    )
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

    @extend_schema(
        summary="The media table as the service sees it", responses=TableLayoutSerializer
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def table(self, request):
        """The layout served now: each key and its source, enum labels, soft delete.

        The service reads the live table's catalogue at start and follows it as
        the pipeline migrates it; `read_at` says when it last read it.
        """
        layout = current_layout()
        context = {"change_log": change_log.status(layout)}
        return Response(TableLayoutSerializer(layout, context=context).data)

    @extend_schema(
        summary="The operator actions",
        responses={
            200: inline_serializer("ActionList", {"data": ActionDescriptionSerializer(many=True)}),
            **READ_ERRORS,
        },
    )
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

    @extend_schema(
        summary="Run an operator action on one row",
        parameters=[HASH_PARAMETER, ACTION_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
        request=ActionBodySerializer,
        responses={200: ActionDoneSerializer, **ACTION_ERRORS},
    )
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
            hash=_path_hash(hash), action=name, **body.validated_data, **_one_row(request)
        )
        return self._done(f"Action {name} applied", media)

    @extend_schema(
        summary="Run an operator action on many rows, all or nothing",
        request=BulkSerializer,
        responses={
            200: BulkResponseSerializer,
            **ACTION_ERRORS,
            400: OpenApiResponse(
                CommandErrorSerializer,
                description="A malformed body, a bad filter, a filter matching more than "
                f"{MAX_BATCH:,} rows.",
            ),
            409: OpenApiResponse(
                CommandErrorSerializer,
                description="Some row refused (`results`: one per row), the count changed, or "
                "the table does not support the action; nothing was changed.",
            ),
        },
    )
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
        batch = media_bulk_act(**body.validated_data, **_author(request))
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

    @extend_schema(
        summary="Count rows per status",
        filters=True,  # not a list, but it takes the list's filters: document them
        parameters=[IF_NONE_MATCH_HEADER, LIST_ETAG_HEADER],
        responses={
            200: FacetsSerializer,
            304: NOT_MODIFIED,
            **_errors(ErrorSerializer, {400: "An unknown field or a bad filter."}),
            **READ_ERRORS,
        },
    )
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

    @extend_schema(
        summary="Console: set a row's state columns",
        parameters=[HASH_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
        request=PipelineStateUpdateSerializer,
        responses={200: ConsoleDoneSerializer, **CONSOLE_ERRORS},
    )
    @action(
        detail=True, methods=["patch"], url_path="pipeline", url_name="console-pipeline", **WRITE
    )
    def console_pipeline(self, request, hash=None):
        """The pipeline console's route: set exactly the given columns, no transition rule.

        At least one of `pipeline_status`, `rejection_status`, `error_status`;
        the body's `hash` repeats the path's. The triggers apply; recorded in
        the history as `pipeline`.
        """
        body = PipelineStateUpdateSerializer(
            data=request.data, context={"path_hash": hash, "layout": current_layout()}
        )
        body.is_valid(raise_exception=True)
        columns = {k: v for k, v in body.validated_data.items() if k != "hash"}
        media = media_set_pipeline_state(
            hash=body.validated_data["hash"], columns=columns, **_one_row(request)
        )
        return self._done("Pipeline state updated successfully", media, console=True)

    @console_route("approve")
    def console_approve(self, request, hash=None):
        """The pipeline console's route for the `approve` action."""
        return self._console_action(request, hash, "approve")

    @console_route("finish")
    def console_finish(self, request, hash=None):
        """The pipeline console's route for the `complete` action."""
        return self._console_action(request, hash, "finish")

    @console_route("soft_delete")
    def console_soft_delete(self, request, hash=None):
        """The pipeline console's route for the `delete` action (409 when already deleted)."""
        return self._console_action(request, hash, "soft_delete")

    def _console_action(self, request, hash, route):
        name, message = CONSOLE_ACTIONS[route]
        media = media_act(hash=_path_hash(hash), action=name, **_one_row(request))
        return self._done(message, media, console=True)

    @staticmethod
    def _done(message, media, *, console=False):
        body = {"message": message, "data": media.item}
        serializer = ConsoleDoneSerializer if console else ActionDoneSerializer
        if console:
            body["hash"] = media.item["hash"]
        return Response(serializer(body).data, headers={"ETag": media.etag})


def _author(request) -> dict:
    """Who writes and through which request (its id as logged, and the service's own), as the
    services record it."""
    return {
        "changed_by": request.user,
        "request_id": get_guid() or "",
        "service_request_id": getattr(request, "service_request_id", ""),
    }


def _one_row(request) -> dict:
    """A one-row write's author, and its If-Match header."""
    return {**_author(request), "if_match": request.headers.get("If-Match")}


def _path_hash(value: str) -> str:
    """A path's hash as stored (lowercase); a malformed one is absent (404), as for reads."""
    if not HASH_REGEX.fullmatch(value):
        raise MediaNotFound(value)
    return value.lower()


@extend_schema_view(
    list=extend_schema(
        summary="The history of every write",
        responses={
            200: MediaChangeSerializer(many=True),
            **_errors(ErrorSerializer, {400: "A query parameter is invalid."}),
            **HISTORY_READ_ERRORS,
        },
    )
)
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
        self.paginator.use(page, request)
        return self.paginator.get_paginated_response(
            self.get_serializer(page.items, many=True).data
        )


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
                    "change_log": ChangeLogStatusSerializer(),
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
        body["change_log"] = change_log.status(layout)
        return Response(body)

    @staticmethod
    def not_ready(body, media_table, details):
        body.update(status="unavailable", media_table=media_table, details=details)
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)


class LiveSchemaView(SpectacularJSONAPIView):
    """/rear-diff/openapi.json: the schema of the table as it is now (media.openapi)."""

    generator_class = LiveSchemaGenerator
