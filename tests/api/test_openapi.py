"""The OpenAPI schema (/rear-diff/openapi.json) documents the contract: its paths, parameters,
bodies and errors, and who must send credentials for what, as the live table takes them.

Swagger UI's Authorize button is built from components.securitySchemes; a
generated client learns from each operation's `security` whether it must
send credentials (an empty requirement `{}` means "optional"). The pages that
show the schema are in test_docs.py.
"""

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from media.demo.ddl import run_script
from media.layout import refresh_layout
from tests.spec import (
    COLUMNS,
    EXTRA_KEYS,
    HISTORY_KEYS,
    REJECTION_STATUSES,
    RSS_SOURCES,
    SORT_ORDERS,
    media_types,
    pipeline_statuses,
    sortable_columns,
)
from tests.support.api import BAD_STATUS, HASH_MISMATCH, fetch_schema
from tests.support.rows import TABLE, execute

# The contract's paths as the schema names them.
LIST = "/rear-diff/media"
FACETS = "/rear-diff/media/facets"
ITEM = "/rear-diff/media/{hash}"
PATCH = "/rear-diff/media/{hash}/rejection-status"
HISTORY = "/rear-diff/media/{hash}/history"
ALL_HISTORY = "/rear-diff/history"
READS = [LIST, ITEM, HISTORY]
OPEN_READS = [LIST, ITEM]
PROBES = ["/rear-diff/health", "/rear-diff/health/ready"]
CREDENTIALS = [{"tokenAuth": []}, {"cookieAuth": []}]
LIST_PARAMETERS = {
    "media_type",
    "pipeline_status",
    "rejection_status",
    "error_status",
    "imdb_id",
    "hash",
    "media_title",
    "include_deleted",
    "sort_by",
    "sort_order",
    "limit",
    "offset",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
}


def resolve(schema, node):
    """Follow `$ref`s (and a lone allOf wrapper) to the schema object they name."""
    while True:
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/components/schemas/")
            node = schema["components"]["schemas"][name]
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            return node


def operation(schema, path, method):
    return schema["paths"][path][method]


def list_parameters(schema):
    return {p["name"]: p for p in operation(schema, LIST, "get")["parameters"]}


def response_schema(schema, op, status):
    return resolve(schema, op["responses"][str(status)]["content"]["application/json"]["schema"])


def assert_documents_an_item(schema, reference, generation, added=()):
    """The 32 keys always present (required); the extras the live table serves, optional."""
    item = resolve(schema, reference)
    assert list(item["properties"]) == [*COLUMNS, *EXTRA_KEYS[generation], *added]
    assert set(item["required"]) == {*COLUMNS, *added}


def test_spectacular_validates_without_warnings(db, tmp_path):
    target = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert text.startswith("openapi: 3")
    assert f"{PATCH}:" in text


def test_openapi_json_answers_200_json(api_client, db):
    response = api_client.get(reverse("schema"))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/")
    assert response.json()["openapi"].startswith("3.")


def test_schema_documents_the_contract_paths(schema):
    assert {*PROBES, LIST, ITEM, PATCH} <= set(schema["paths"])
    assert set(schema["paths"][PATCH]) == {"patch"}


# --- the list's parameters and envelope ---------------------------------------------


def test_schema_documents_every_list_query_parameter(schema):
    parameters = operation(schema, LIST, "get")["parameters"]

    assert {p["name"] for p in parameters if p["in"] == "query"} == LIST_PARAMETERS


# The labels of each enum as a generation's table has them.
LIVE_ENUMS = {
    "media_type": media_types,
    "pipeline_status": pipeline_statuses,
    "rejection_status": lambda generation: REJECTION_STATUSES,
    "rss_source": lambda generation: RSS_SOURCES,
}


@pytest.mark.parametrize("name", ["media_type", "pipeline_status", "rejection_status"])
@pytest.mark.parametrize("path", [LIST, FACETS])
def test_each_enum_filter_lists_the_live_tables_labels(schema, media_table, path, name):
    """Not every label the table has had: a client built from the schema sends only values
    this table takes."""
    parameters = {p["name"]: p for p in operation(schema, path, "get")["parameters"]}
    # Enum filters take a comma-separated set (an array, explode false).
    values = resolve(schema, parameters[name]["schema"]["items"])

    assert sorted(values["enum"]) == sorted(LIVE_ENUMS[name](media_table))


@pytest.mark.parametrize("name", sorted(LIVE_ENUMS))
def test_each_enum_component_lists_the_live_tables_labels_in_its_order(schema, media_table, name):
    component = schema["components"]["schemas"][f"{name.title().replace('_', '')}Enum"]

    assert component["enum"] == LIVE_ENUMS[name](media_table)


def test_sort_order_lists_asc_and_desc(schema):
    assert resolve(schema, list_parameters(schema)["sort_order"]["schema"])["enum"] == SORT_ORDERS


@pytest.mark.parametrize("path", [LIST, FACETS])
def test_sort_by_lists_the_columns_the_live_table_sorts_on(schema, media_table, path):
    parameters = {p["name"]: p for p in operation(schema, path, "get")["parameters"]}

    assert set(parameters["sort_by"]["schema"]["enum"]) == set(sortable_columns(media_table))


def test_schema_types_error_status_as_boolean(schema):
    assert list_parameters(schema)["error_status"]["schema"]["type"] == "boolean"


def test_schema_bounds_limit_1_to_1000_and_offset_from_0(schema):
    parameters = list_parameters(schema)

    limit = parameters["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 1000)
    assert limit.get("default") == 100
    offset = parameters["offset"]["schema"]
    assert (offset["type"], offset["minimum"], offset["maximum"]) == ("integer", 0, 2**63 - 1)


def test_list_text_parameters_document_what_the_filters_enforce(schema):
    """Generated clients see the limits that answer 400: hash pattern, maximum lengths."""
    parameters = {name: p["schema"] for name, p in list_parameters(schema).items()}

    assert parameters["hash"] == {"type": "string", "pattern": "^[0-9a-fA-F]{40}$"}
    # Any character but NUL (test_query_parameters.py), as a pattern generated clients check.
    no_nul = "^[^\\x00]*$"
    assert parameters["imdb_id"] == {"type": "string", "maxLength": 10, "pattern": no_nul}
    assert parameters["media_title"] == {"type": "string", "maxLength": 255, "pattern": no_nul}


def test_schema_documents_the_list_envelope(schema, media_table):
    envelope = response_schema(schema, operation(schema, LIST, "get"), 200)

    assert set(envelope["required"]) == {"data", "pagination"}
    data = envelope["properties"]["data"]
    assert data["type"] == "array"
    assert_documents_an_item(schema, data["items"], media_table)
    pagination = resolve(schema, envelope["properties"]["pagination"])
    assert set(pagination["properties"]) == {"total", "limit", "offset", "next", "previous"}
    assert set(pagination["required"]) == {"total", "limit", "offset", "next", "previous"}
    assert pagination["properties"]["next"]["nullable"] is True
    assert pagination["properties"]["previous"]["nullable"] is True


def test_history_is_documented_in_the_list_envelope(schema):
    schemas = schema["components"]["schemas"]
    ok = operation(schema, HISTORY, "get")["responses"]["200"]
    history = schemas[ok["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    listing = schemas["PaginatedMediaList"]

    assert history["required"] == listing["required"] == ["data", "pagination"]
    assert history["properties"]["pagination"] == listing["properties"]["pagination"]
    assert history["properties"]["data"]["items"] == {"$ref": "#/components/schemas/MediaChange"}
    assert set(schemas["MediaChange"]["properties"]) == set(HISTORY_KEYS)


# --- the PATCH -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        (LIST, "get", {"200", "400", "500"}),
        (ITEM, "get", {"200", "404", "500"}),
        (PATCH, "patch", {"200", "400", "404", "500"}),
    ],
)
def test_schema_documents_each_error_response(schema, path, method, statuses):
    assert statuses <= set(operation(schema, path, method)["responses"])


def test_schema_documents_the_patch_request_body(schema):
    body = operation(schema, PATCH, "patch")["requestBody"]

    assert body["required"] is True
    request = resolve(schema, body["content"]["application/json"]["schema"])
    assert set(request["properties"]) == {"hash", "rejection_status"}
    assert set(request["required"]) == {"hash", "rejection_status"}
    status = resolve(schema, request["properties"]["rejection_status"])
    assert sorted(status["enum"]) == sorted(REJECTION_STATUSES)


def test_schema_documents_the_patch_responses(schema, media_table):
    op = operation(schema, PATCH, "patch")

    ok = response_schema(schema, op, 200)
    assert {"success", "message", "data"} <= set(ok["properties"])
    assert_documents_an_item(
        schema, ok["properties"]["data"], media_table, added=["allowed_actions"]
    )
    for status in (400, 404, 500):
        error = response_schema(schema, op, status)
        assert {"success", "error", "message"} <= set(error["properties"]), status


def test_schema_documents_the_patch_400_examples_of_the_contract(schema):
    examples = operation(schema, PATCH, "patch")["responses"]["400"]["content"]["application/json"][
        "examples"
    ]
    documented = [example["value"] for example in examples.values()]

    assert {"success": False, "error": "Invalid request", "message": BAD_STATUS} in documented
    assert {key: HASH_MISMATCH[key] for key in ("success", "error", "message")} in documented


def test_command_error_schema_has_the_contract_fields(schema):
    error = schema["components"]["schemas"]["CommandError"]

    assert {"success", "error", "message"} <= set(error["properties"])
    assert {"error", "message"} <= set(error["required"])


def test_patch_documents_the_if_match_request_header(schema):
    (if_match,) = [
        p for p in operation(schema, PATCH, "patch")["parameters"] if p["name"] == "If-Match"
    ]

    assert if_match["in"] == "header"
    assert if_match.get("required", False) is False


def test_patch_and_item_document_the_etag_response_header(schema):
    for op in (operation(schema, PATCH, "patch"), operation(schema, ITEM, "get")):
        assert "ETag" in op["responses"]["200"]["headers"]


# --- credentials -------------------------------------------------------------------------


def test_schema_defines_the_token_and_session_security_schemes(schema):
    assert schema["components"]["securitySchemes"] == {
        "tokenAuth": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        },
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }


def test_patch_requires_a_token_or_a_session(schema):
    """No empty requirement: the PATCH is never anonymous (unless AUTH_DISABLED)."""
    assert operation(schema, PATCH, "patch")["security"] == CREDENTIALS


@pytest.mark.parametrize(
    ("status", "description"),
    [
        ("401", "Credentials are missing or invalid."),
        (
            "403",
            "The user lacks the permission media.change_rejection_status, or a web page of "
            "another origin sent the request.",
        ),
        (
            "412",
            "If-Match no longer matches the row's version (its ETag's first part); nothing "
            "was changed.",
        ),
        (
            "429",
            "Too many writes by this user, or failed token authentications from this "
            "address; see Retry-After.",
        ),
    ],
)
def test_patch_documents_its_auth_precondition_and_throttle_responses(schema, status, description):
    response = operation(schema, PATCH, "patch")["responses"][status]

    assert response["description"] == description
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CommandError"
    }


@pytest.mark.parametrize("path", PROBES)
def test_probes_are_documented_without_credentials(schema, path):
    assert operation(schema, path, "get")["security"] == [{}]


@pytest.mark.parametrize("path", READS)
def test_reads_document_401_and_429(schema, path):
    assert {"401", "429"} <= set(operation(schema, path, "get")["responses"])


@pytest.mark.parametrize("path", OPEN_READS)
@pytest.mark.parametrize(
    ("read_auth_required", "security"),
    [(False, [*CREDENTIALS, {}]), (True, CREDENTIALS)],
    ids=["open-reads", "read-auth-required"],
)
def test_reads_are_documented_as_open_unless_read_auth_is_required(
    db, settings, path, read_auth_required, security
):
    """By default anyone may read: credentials are optional, so `{}` is one of the choices."""
    settings.READ_AUTH_REQUIRED = read_auth_required

    assert operation(fetch_schema(), path, "get")["security"] == security


@pytest.mark.parametrize("path", [HISTORY, ALL_HISTORY])
@pytest.mark.parametrize("mode", ["default", "AUTH_DISABLED"])
def test_the_histories_are_documented_as_needing_credentials_in_every_mode(
    db, settings, path, mode
):
    settings.AUTH_DISABLED = mode == "AUTH_DISABLED"

    assert operation(fetch_schema(), path, "get")["security"] == CREDENTIALS


# --- the schema follows the live table --------------------------------------------------


@pytest.fixture
def generations(monkeypatch):
    """How many times drf-spectacular generates the schema."""
    counted = {"schemas": 0}
    generate = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        counted["schemas"] += 1
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    return counted


@pytest.mark.tables("g1-v27")
def test_the_schema_is_generated_once_per_layout_and_again_after_a_migration(
    db, media_table, generations
):
    """The pipeline's v28 moves G1's metadata to atp.training: once the service has read the
    new layout (every MEDIA_LAYOUT_CHECK_SECONDS), the schema says so, without a restart."""
    before = fetch_schema()
    again = fetch_schema()
    served = generations["schemas"]

    run_script("v028_training.sql")
    refresh_layout()
    after = fetch_schema()

    assert again == before and served <= 1
    assert generations["schemas"] == served + 1
    assert_documents_an_item(before, {"$ref": "#/components/schemas/Media"}, "g1-v27")
    assert_documents_an_item(after, {"$ref": "#/components/schemas/Media"}, "g2")
    sort_by = list_parameters(after)["sort_by"]["schema"]["enum"]
    assert set(sort_by) == set(sortable_columns("g2"))
    assert "budget" in list_parameters(before)["sort_by"]["schema"]["enum"]


def test_without_the_table_the_schema_describes_every_generation(db):
    """Nothing to describe but the declarations: what the table has held over its generations."""
    execute(f"DROP TABLE {TABLE} CASCADE")
    refresh_layout()

    schema = fetch_schema()

    parameters = list_parameters(schema)
    assert set(parameters) >= LIST_PARAMETERS
    assert set(parameters["sort_by"]["schema"]["enum"]) == {
        *sortable_columns("g0"),
        *sortable_columns("g1-v27"),
    }
    assert "queued" in schema["components"]["schemas"]["PipelineStatusEnum"]["enum"]
