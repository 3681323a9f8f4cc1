"""The OpenAPI schema documents how to authenticate and which operations need it.

Swagger UI's Authorize button is built from components.securitySchemes; a
generated client learns from each operation's `security` whether it must
send credentials (an empty requirement `{}` means "optional").
"""

import pytest
from rest_framework.test import APIClient

PATCH_PATH = "/rear-diff/media/{hash}/rejection-status"
READ_PATHS = ["/rear-diff/media", "/rear-diff/media/{hash}", "/rear-diff/media/{hash}/history"]
CREDENTIALS = [{"tokenAuth": []}, {"cookieAuth": []}]

pytestmark = pytest.mark.usefixtures("clear_throttles")


def fetch_schema():
    response = APIClient().get("/rear-diff/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def schema():
    return fetch_schema()


def patch_operation(schema):
    return schema["paths"][PATCH_PATH]["patch"]


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
    assert patch_operation(schema)["security"] == CREDENTIALS


@pytest.mark.parametrize(
    ("status", "description"),
    [
        ("401", "Credentials are missing or invalid."),
        ("403", "The user lacks the permission media.change_rejection_status."),
        ("412", "If-Match no longer matches the row's ETag; nothing was changed."),
        ("429", "Too many writes by this user; see Retry-After."),
    ],
)
def test_patch_documents_its_auth_precondition_and_throttle_responses(schema, status, description):
    response = patch_operation(schema)["responses"][status]

    assert response["description"] == description
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CommandError"
    }


def test_command_error_schema_has_the_contract_fields(schema):
    error = schema["components"]["schemas"]["CommandError"]

    assert {"success", "error", "message"} <= set(error["properties"])
    assert {"error", "message"} <= set(error["required"])


def test_patch_documents_the_if_match_request_header(schema):
    (if_match,) = [p for p in patch_operation(schema)["parameters"] if p["name"] == "If-Match"]

    assert if_match["in"] == "header"
    assert if_match.get("required", False) is False


def test_patch_and_item_document_the_etag_response_header(schema):
    for op in (patch_operation(schema), schema["paths"]["/rear-diff/media/{hash}"]["get"]):
        assert "ETag" in op["responses"]["200"]["headers"]


@pytest.mark.parametrize("path", ["/rear-diff/health", "/rear-diff/health/ready"])
def test_probes_are_documented_without_credentials(schema, path):
    assert schema["paths"][path]["get"]["security"] == [{}]


@pytest.mark.parametrize("path", READ_PATHS)
def test_reads_document_401_and_429(schema, path):
    assert {"401", "429"} <= set(schema["paths"][path]["get"]["responses"])


@pytest.mark.parametrize("path", READ_PATHS)
def test_reads_are_documented_as_open_when_read_auth_is_not_required(settings, path):
    """By default anyone may read: credentials are optional, so `{}` is one of the choices."""
    settings.READ_AUTH_REQUIRED = False

    security = fetch_schema()["paths"][path]["get"]["security"]

    assert security == [*CREDENTIALS, {}]


@pytest.mark.parametrize("path", READ_PATHS)
def test_reads_are_documented_as_needing_credentials_with_read_auth_required(settings, path):
    settings.READ_AUTH_REQUIRED = True

    security = fetch_schema()["paths"][path]["get"]["security"]

    assert security == CREDENTIALS


def test_history_is_documented_in_the_list_envelope(schema):
    schemas = schema["components"]["schemas"]
    ok = schema["paths"]["/rear-diff/media/{hash}/history"]["get"]["responses"]["200"]
    history = schemas[ok["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    listing = schemas["PaginatedMediaList"]

    assert history["required"] == listing["required"] == ["data", "pagination"]
    assert history["properties"]["pagination"] == listing["properties"]["pagination"]
    assert history["properties"]["data"]["items"] == {"$ref": "#/components/schemas/MediaChange"}
    assert set(schemas["MediaChange"]["properties"]) == {
        "id",
        "media_hash",
        "action",
        "old_status",
        "new_status",
        "changes",
        "reason",
        "note",
        "batch_id",
        "changed_by",
        "changed_at",
        "request_id",
    }
