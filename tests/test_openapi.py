"""The OpenAPI schema and the offline Swagger UI / ReDoc pages."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from tests.spec import (
    ALL_MEDIA_TYPES,
    ALL_PIPELINE_STATUSES,
    COLUMNS,
    G1_EXTRAS,
    REJECTION_STATUSES,
    sortable_columns,
)

# What an item may carry on some generation: the 32 keys always, the extras when present.
OPTIONAL_KEYS = [*G1_EXTRAS, "deleted_at"]

LIST_PARAMETERS = {
    "media_type",
    "pipeline_status",
    "rejection_status",
    "error_status",
    "imdb_id",
    "hash",
    "media_title",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "include_deleted",
    "sort_by",
    "sort_order",
    "limit",
    "offset",
}


@pytest.fixture(scope="module")
def schema():
    from rest_framework.test import APIClient

    response = APIClient().get("/rear-diff/openapi.json")
    assert response.status_code == 200
    return response.json()


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


def response_schema(schema, op, status):
    return resolve(schema, op["responses"][str(status)]["content"]["application/json"]["schema"])


def test_spectacular_validates_without_warnings(tmp_path):
    target = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert text.startswith("openapi: 3")
    assert "/rear-diff/media/{hash}/rejection-status:" in text


def test_openapi_json_answers_200_json(api_client):
    response = api_client.get("/rear-diff/openapi.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/")
    assert response.json()["openapi"].startswith("3.")


def test_schema_documents_the_contract_paths(schema):
    assert {
        "/rear-diff/health",
        "/rear-diff/health/ready",
        "/rear-diff/media",
        "/rear-diff/media/{hash}",
        "/rear-diff/media/{hash}/rejection-status",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/rear-diff/media/{hash}/rejection-status"]) == {"patch"}


def test_schema_documents_every_list_query_parameter(schema):
    parameters = operation(schema, "/rear-diff/media", "get")["parameters"]

    assert {p["name"] for p in parameters if p["in"] == "query"} == LIST_PARAMETERS


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("media_type", ALL_MEDIA_TYPES),
        ("pipeline_status", ALL_PIPELINE_STATUSES),
        ("rejection_status", REJECTION_STATUSES),
        ("sort_order", ["asc", "desc"]),
    ],
)
def test_schema_lists_the_enum_of_each_enum_parameter(schema, name, values):
    parameters = operation(schema, "/rear-diff/media", "get")["parameters"]
    (parameter,) = [p for p in parameters if p["name"] == name]

    # Enum filters take a comma-separated set (an array, explode false).
    values_schema = resolve(schema, parameter["schema"])
    values_schema = resolve(schema, values_schema.get("items", values_schema))
    assert sorted(values_schema["enum"]) == sorted(values)


def test_schema_lists_every_column_some_generation_can_sort_on_for_sort_by(schema):
    parameters = operation(schema, "/rear-diff/media", "get")["parameters"]
    (sort_by,) = [p for p in parameters if p["name"] == "sort_by"]

    enum = set(resolve(schema, sort_by["schema"])["enum"])
    assert enum == {*sortable_columns("g0"), *sortable_columns("g1-v27")}


def assert_documents_an_item(schema, reference, added=()):
    """The 32 keys always present (required); the extras optional, so clients stay stable."""
    item = resolve(schema, reference)
    assert list(item["properties"]) == [*COLUMNS, *OPTIONAL_KEYS, *added]
    assert set(item["required"]) == {*COLUMNS, *added}


def test_schema_types_error_status_as_boolean(schema):
    parameters = operation(schema, "/rear-diff/media", "get")["parameters"]
    (error_status,) = [p for p in parameters if p["name"] == "error_status"]

    assert error_status["schema"]["type"] == "boolean"


def test_schema_bounds_limit_1_to_1000_and_offset_from_0(schema):
    parameters = {p["name"]: p for p in operation(schema, "/rear-diff/media", "get")["parameters"]}

    limit = parameters["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 1000)
    assert limit.get("default") == 100
    offset = parameters["offset"]["schema"]
    assert (offset["type"], offset["minimum"], offset["maximum"]) == ("integer", 0, 2**63 - 1)


def test_schema_documents_the_list_envelope(schema):
    envelope = response_schema(schema, operation(schema, "/rear-diff/media", "get"), 200)

    assert set(envelope["required"]) == {"data", "pagination"}
    data = envelope["properties"]["data"]
    assert data["type"] == "array"
    assert_documents_an_item(schema, data["items"])
    pagination = resolve(schema, envelope["properties"]["pagination"])
    assert set(pagination["properties"]) == {"total", "limit", "offset", "next", "previous"}
    assert set(pagination["required"]) == {"total", "limit", "offset", "next", "previous"}
    assert pagination["properties"]["next"]["nullable"] is True
    assert pagination["properties"]["previous"]["nullable"] is True


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/rear-diff/media", "get", {"200", "400", "500"}),
        ("/rear-diff/media/{hash}", "get", {"200", "404", "500"}),
        ("/rear-diff/media/{hash}/rejection-status", "patch", {"200", "400", "404", "500"}),
    ],
)
def test_schema_documents_each_error_response(schema, path, method, statuses):
    assert statuses <= set(operation(schema, path, method)["responses"])


def test_schema_documents_the_patch_request_body(schema):
    body = operation(schema, "/rear-diff/media/{hash}/rejection-status", "patch")["requestBody"]

    assert body["required"] is True
    request = resolve(schema, body["content"]["application/json"]["schema"])
    assert set(request["properties"]) == {"hash", "rejection_status"}
    assert set(request["required"]) == {"hash", "rejection_status"}
    status = resolve(schema, request["properties"]["rejection_status"])
    assert sorted(status["enum"]) == sorted(REJECTION_STATUSES)


def test_schema_documents_the_patch_responses(schema):
    op = operation(schema, "/rear-diff/media/{hash}/rejection-status", "patch")

    ok = response_schema(schema, op, 200)
    assert {"success", "message", "data"} <= set(ok["properties"])
    assert_documents_an_item(schema, ok["properties"]["data"], added=["allowed_actions"])
    for status in (400, 404, 500):
        error = response_schema(schema, op, status)
        assert {"success", "error", "message"} <= set(error["properties"]), status


def test_schema_documents_the_patch_400_examples_of_the_contract(schema):
    op = operation(schema, "/rear-diff/media/{hash}/rejection-status", "patch")
    examples = op["responses"]["400"]["content"]["application/json"]["examples"]

    assert {
        "success": False,
        "error": "Invalid request",
        "message": "Rejection status must be one of: unfiltered, accepted, rejected, override",
    } in [example["value"] for example in examples.values()]
    assert {
        "success": False,
        "error": "Hash mismatch",
        "message": "Path hash and body hash do not match",
    } in [example["value"] for example in examples.values()]


# --- Swagger UI and ReDoc, offline --------------------------------------------------


class AssetCollector(HTMLParser):
    """Every URL a page loads from <script src> and <link href>."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def page_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    collector = AssetCollector()
    collector.feed(response.content.decode())
    return collector.urls


DOC_PAGES = ["/rear-diff/docs", "/rear-diff/docs/", "/rear-diff/redoc", "/rear-diff/redoc/"]


@pytest.mark.parametrize("path", DOC_PAGES)
def test_doc_page_loads_assets_only_from_the_service_itself(api_client, path):
    urls = page_assets(api_client, path)

    assert urls, "the page loads its UI from script/link tags"
    external = [url for url in urls if urlsplit(url).scheme or urlsplit(url).netloc]
    assert external == []


@pytest.mark.parametrize("path", DOC_PAGES)
def test_doc_page_local_assets_answer_200(api_client, db, path):
    local = [url for url in page_assets(api_client, path) if not urlsplit(url).netloc]

    assert any(url.endswith(".js") for url in local)
    for url in local:
        assert url.startswith("/rear-diff/static/"), url
        response = api_client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content if response.streaming else [response.content])
        response.close()


def test_list_text_parameters_document_what_the_filters_enforce(schema):
    """Generated clients see the limits that answer 400: hash pattern, maximum lengths."""
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/rear-diff/media"]["get"]["parameters"]
    }

    assert parameters["hash"] == {"type": "string", "pattern": "^[0-9a-fA-F]{40}$"}
    assert parameters["imdb_id"] == {"type": "string", "maxLength": 10}
    assert parameters["media_title"] == {"type": "string", "maxLength": 255}
