"""media/api/parsers.py and the body limits: every PATCH body the service cannot take is a 4xx
in the command shape, and the row stays as it was.

Not JSON, not UTF-8, nested deeper than the json module takes: 400. Another
Content-Type: 415. Over DATA_UPLOAD_MAX_MEMORY_SIZE: 413.
"""

import json

import pytest
from django.conf import settings

from tests.spec import SAMPLE_HASH
from tests.support.api import command_error, patch_raw
from tests.support.rows import fetch_row, unchanged

ACCEPT = json.dumps({"hash": SAMPLE_HASH, "rejection_status": "accepted"})


def assert_refused(response, status, error):
    """`status` in the command shape with the contract's `error` title, and nothing more."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"success", "error", "message"}
    assert (body["success"], body["error"]) == (False, error)
    return body["message"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"hash": ',
        "{hash: 'x'}",
        f'{{"hash": "{SAMPLE_HASH}", "rejection_status": "accepted",}}',
        "not json at all",
        b'{"hash": "\xff"}',
        b'{"hash": "' + SAMPLE_HASH.encode() + b'", "rejection_status": "accepted\xc0\x80"}',
        b'\xff\xfe{\x00"\x00}\x00',
        b'{"hash": "' + SAMPLE_HASH.encode() + b'\xed\xa0\x80", "rejection_status": "accepted"}',
    ],
    ids=[
        "truncated",
        "js-object",
        "trailing-comma",
        "text",
        "utf8-ff-in-a-string",
        "utf8-overlong-nul",
        "utf16-bom",
        "utf8-encoded-surrogate",
    ],
)
def test_a_body_that_is_not_json_in_utf8_answers_400_invalid_request(
    operator_client, sample_media, raw
):
    with unchanged(SAMPLE_HASH):
        response = patch_raw(operator_client, SAMPLE_HASH, raw)

    assert assert_refused(response, 400, "Invalid request").startswith("JSON parse error")


# Deeper than the json module takes on every supported Python (3.11 stops near
# 1,000 levels, 3.13 near 10,000), yet within DATA_UPLOAD_MAX_MEMORY_SIZE (64 KiB):
# 40 KB and 60 KB, so the request reaches the parser and the parser meets RecursionError.
@pytest.mark.parametrize(
    "value",
    ["[" * 20_000 + "]" * 20_000, '{"":' * 12_000 + "1" + "}" * 12_000],
    ids=["20000-arrays", "12000-objects"],
)
def test_a_deeply_nested_json_body_answers_400_in_the_patch_shape(
    operator_client, sample_media, value
):
    with unchanged(SAMPLE_HASH):
        response = patch_raw(
            operator_client, SAMPLE_HASH, f'{{"hash": {value}, "rejection_status": "accepted"}}'
        )

    assert response.status_code == 400
    assert response.json() == command_error(
        "Invalid request", "JSON parse error - arrays or objects are nested too deeply."
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonx",
    ],
)
def test_another_content_type_answers_415_in_the_command_shape(
    operator_client, sample_media, content_type
):
    response = patch_raw(operator_client, SAMPLE_HASH, ACCEPT, content_type=content_type)

    assert response.status_code == 415
    assert response.json() == command_error(
        "Unsupported media type", f'Unsupported media type "{content_type}" in request.'
    )
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def padded_body(size):
    """A valid PATCH body of exactly `size` bytes (JSON allows trailing whitespace)."""
    return ACCEPT + " " * (size - len(ACCEPT))


@pytest.mark.parametrize(
    "size",
    [settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1, 4 * 1024 * 1024],
    ids=["one-byte-over", "4-MiB"],
)
def test_body_over_the_size_limit_answers_413_in_the_command_shape(
    operator_client, sample_media, size
):
    with unchanged(SAMPLE_HASH):
        response = patch_raw(operator_client, SAMPLE_HASH, padded_body(size))

    assert_refused(response, 413, "Request body too large")


def test_body_of_exactly_the_size_limit_is_accepted(operator_client, sample_media):
    response = patch_raw(
        operator_client, SAMPLE_HASH, padded_body(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    )

    assert response.status_code == 200, response.content
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"
