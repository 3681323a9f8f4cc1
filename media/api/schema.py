"""What the OpenAPI schema says of each operation: summaries, parameters, bodies, answers.

The views (media.api.views) route and answer; each operation's declaration is
here, named after its view and applied as one decorator line above it.
drf-spectacular reads the rest from the serializers, the FilterSets
(media.filters; FILTER_SCHEMAS adds what their form fields enforce) and the
paginator. How the schema follows the live table is media.api.openapi.
https://drf-spectacular.readthedocs.io/en/latest/customization.html
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from media.actions import ACTIONS, MAX_BATCH
from media.api.permissions import CHANGE_PIPELINE_STATUS, CHANGE_REJECTION_STATUS
from media.api.serializers import (
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
from media.filters import INCLUDE_DELETED_HELP, MediaChangeFilter, MediaFilter
from media.models import HASH_PATTERN_ECMA

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

# The live changes (media.api.views.events).
LAST_EVENT_ID_HEADER = OpenApiParameter(
    "Last-Event-ID",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The `id` of the last event received: the stream resumes after it while the "
    "change log holds it, else it starts with `resync`. EventSource sends it when it "
    "reconnects.",
)
EVENTS_EXAMPLE = (
    "retry: 1000\n\n"
    "id: 1764950000000000-1200:1200:\n\n"
    "event: media\n"
    'data: {"action": "updated", "hashes": ["0080fd60..."]}\n'
    "id: 1764950000000000-1207:1207:\n\n"
    ": keep-alive\n\n"
    "event: resync\ndata: {}\nid: 1764950000000000-1300:1301:\n\n"
)


EVENTS_RESPONSE = OpenApiResponse(
    OpenApiTypes.STR,
    description='`event: media` with `data: {"action": "created" | "updated" | '
    '"deleted", "hashes": [...]}`: the rows of one action that changed in one poll (the '
    "changes are read every EVENTS_POLL_SECONDS, 0.25 s by default, and coalesced per "
    "action). `created`: the row now matches the filters and did not (inserted, restored, "
    "or changed into them); `deleted`: it matched and does not now; `updated`: it matched "
    "and still does. `event: resync`: reload; what was missed cannot be told (the position "
    "is no longer held, the client fell behind, a statement too large to keep its rows, or "
    "the service runs without the change log). `id:` is the position to resume from. A "
    "comment line every EVENTS_HEARTBEAT_SECONDS (15 s) keeps idle connections open. Under "
    "a WSGI server (runserver) the answer ends at once and the client reconnects.",
    examples=[OpenApiExample("A stream", value=EVENTS_EXAMPLE)],
)


# The list and the item (media.api.views.media), and the live changes.
media_reads = extend_schema_view(
    events=extend_schema(
        summary="Live changes to the list, as Server-Sent Events",
        # DRF's ?format= is not this route's: the stream is what it serves.
        parameters=[LAST_EVENT_ID_HEADER, OpenApiParameter("format", exclude=True)],
        responses={
            (200, "text/event-stream"): EVENTS_RESPONSE,
            **_errors(ErrorSerializer, {400: "A query parameter is invalid."}),
            **READ_ERRORS,
        },
        filters=True,
    ),
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
rejection_status = extend_schema(
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
facets = extend_schema(
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

# The table and the actions (media.api.views.table, media.api.views.actions).
table = extend_schema(
    summary="The media table as the service sees it", responses=TableLayoutSerializer
)
action_table = extend_schema(
    summary="The operator actions",
    responses={
        200: inline_serializer("ActionList", {"data": ActionDescriptionSerializer(many=True)}),
        **READ_ERRORS,
    },
)
act = extend_schema(
    summary="Run an operator action on one row",
    parameters=[HASH_PARAMETER, ACTION_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
    request=ActionBodySerializer,
    responses={200: ActionDoneSerializer, **ACTION_ERRORS},
)
bulk = extend_schema(
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

# The console's routes (media.api.views.console).
console_pipeline = extend_schema(
    summary="Console: set a row's state columns",
    parameters=[HASH_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
    request=PipelineStateUpdateSerializer,
    responses={200: ConsoleDoneSerializer, **CONSOLE_ERRORS},
)


def console_action(name: str):
    """PATCH .../{hash}/<route>, the console's route for the action `name`."""
    return extend_schema(
        summary=f"Console: the {name} action",
        parameters=[HASH_PARAMETER, IF_MATCH_HEADER, ETAG_HEADER],
        request=None,
        responses={200: ConsoleDoneSerializer, **CONSOLE_ERRORS},
    )


# The histories (media.api.views.history).
row_history = extend_schema(
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
history_list = extend_schema_view(
    list=extend_schema(
        summary="The history of every write",
        responses={
            200: MediaChangeSerializer(many=True),
            **_errors(ErrorSerializer, {400: "A query parameter is invalid."}),
            **HISTORY_READ_ERRORS,
        },
    )
)

# The probes (media.api.views.health).
health = extend_schema(
    summary="Liveness",
    responses=inline_serializer("Health", {"status": serializers.CharField()}),
)
readiness = extend_schema(
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


# Free text takes any character but NUL, which Django's form fields refuse (a PostgreSQL
# text value cannot hold one): the schema's pattern says so to generated clients.
TEXT_PATTERN = "^[^\\x00]*$"
# The schemas say what the filters' form fields enforce, so generated clients know too
# (with an explicit schema, drf-spectacular takes the description from it).
FILTER_SCHEMAS = {
    (MediaFilter, "imdb_id"): {
        "type": "string",
        "maxLength": 10,
        "pattern": TEXT_PATTERN,
        "description": "Exact IMDb id, e.g. tt2759766.",
    },
    (MediaFilter, "hash"): {
        "type": "string",
        "pattern": HASH_PATTERN_ECMA,
        "description": "Exact info-hash (40 hex digits, any case).",
    },
    (MediaFilter, "media_title"): {
        "type": "string",
        "maxLength": 255,
        "pattern": TEXT_PATTERN,
        "description": "Case-insensitive substring of the title.",
    },
    (MediaChangeFilter, "hash"): {
        "type": "string",
        "pattern": HASH_PATTERN_ECMA,
        "description": "The row's info-hash (40 hex digits, any case).",
    },
    (MediaChangeFilter, "changed_by"): {
        "type": "string",
        "maxLength": 150,
        "pattern": TEXT_PATTERN,
        "description": "The username (or `anonymous`).",
    },
}
# The declared filters are shared by subclasses (FacetFilter) and copied into each instance.
for (filterset, name), field_schema in FILTER_SCHEMAS.items():
    extend_schema_field(field_schema)(filterset.declared_filters[name])
