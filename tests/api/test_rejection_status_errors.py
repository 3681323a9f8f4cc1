"""PATCH /rear-diff/media/{hash}/rejection-status refused: each 400 and 404 of the contract's table,
in the command shape, and the row left as it was.
"""

import json

import pytest

from tests.spec import SAMPLE_HASH
from tests.support.api import (
    BAD_STATUS,
    HASH_MISMATCH,
    command_error,
    patch_json,
    patch_raw,
    patch_status,
)
from tests.support.rows import ABSENT_HASH, fetch_row, row_count, unchanged

OTHER_HASH = "fedcba9876543210fedcba9876543210fedcba98"
INVALID_STATUS = command_error(
    "Invalid request", BAD_STATUS, details={"rejection_status": [BAD_STATUS]}
)
REQUIRED_HASH = "Field 'hash' is required."
REQUIRED_STATUS = f"Field 'rejection_status' is required. {BAD_STATUS}"
HASH_FORMAT = "hash must be 40 hexadecimal characters"


def assert_invalid_request(response, details):
    """400 in the command shape; `message` carries every per-field message."""
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"success", "error", "message", "details"}
    assert body["success"] is False
    assert body["error"] == "Invalid request"
    assert body["details"] == details
    assert isinstance(body["message"], str)
    for messages in details.values():
        for message in messages:
            assert message in body["message"]


# --- a status outside the four --------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["bogus", "ACCEPTED", "Rejected", "", " accepted", 1, True, "\ud800", "\x00", "accepted\x00"],
    ids=[
        "bogus",
        "upper",
        "title",
        "empty",
        "space",
        "number",
        "boolean",
        "lone-surrogate",
        "nul",
        "then-nul",
    ],
)
def test_patch_with_bad_value_answers_400_with_the_contract_message(
    operator_client, sample_media, value
):
    """json.dumps writes a NUL as \\u0000 and a lone surrogate as \\ud800, as a client would:
    valid JSON, but no label."""
    raw = json.dumps({"hash": SAMPLE_HASH, "rejection_status": value})

    with unchanged(SAMPLE_HASH):
        response = patch_raw(operator_client, SAMPLE_HASH, raw)

    assert response.status_code == 400
    assert response.json() == INVALID_STATUS


def test_patch_with_bad_value_is_400_even_when_no_row_has_the_hash(operator_client, db):
    response = patch_status(operator_client, ABSENT_HASH, "maybe")

    assert response.status_code == 400
    assert response.json() == INVALID_STATUS


# --- malformed bodies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"hash": [REQUIRED_HASH], "rejection_status": [REQUIRED_STATUS]}),
        ({"rejection_status": "accepted"}, {"hash": [REQUIRED_HASH]}),
        ({"hash": SAMPLE_HASH}, {"rejection_status": [REQUIRED_STATUS]}),
        (
            {"hash": None, "rejection_status": None},
            {"hash": [REQUIRED_HASH], "rejection_status": [BAD_STATUS]},
        ),
        ({"hash": None, "rejection_status": "accepted"}, {"hash": [REQUIRED_HASH]}),
        ({"hash": SAMPLE_HASH, "rejection_status": None}, {"rejection_status": [BAD_STATUS]}),
    ],
    ids=["empty-object", "no-hash", "no-status", "both-null", "null-hash", "null-status"],
)
def test_patch_with_missing_or_null_fields_answers_400_invalid_request(
    operator_client, sample_media, body, details
):
    with unchanged(SAMPLE_HASH):
        response = patch_json(operator_client, SAMPLE_HASH, body)

    assert_invalid_request(response, details)


@pytest.mark.parametrize(
    "bad_hash",
    [SAMPLE_HASH[:39], SAMPLE_HASH + "0", "g" * 40, SAMPLE_HASH[:39] + "z", "", "abc"],
    ids=["39-chars", "41-chars", "not-hex", "last-not-hex", "empty", "short"],
)
def test_patch_with_a_hash_that_is_not_40_hex_answers_400_invalid_request(
    operator_client, sample_media, bad_hash
):
    path_hash = bad_hash or "x"  # an empty path segment would be another URL

    with unchanged(SAMPLE_HASH):
        response = patch_json(
            operator_client, path_hash, {"hash": bad_hash, "rejection_status": "accepted"}
        )

    assert_invalid_request(response, {"hash": [HASH_FORMAT]})


NUL_REFUSED = ["Null characters are not allowed.", HASH_FORMAT]


@pytest.mark.parametrize(
    ("body_hash", "messages"),
    [
        (f" {SAMPLE_HASH} ", [HASH_FORMAT]),
        (f"{SAMPLE_HASH}\n", [HASH_FORMAT]),
        (f"\t{SAMPLE_HASH}", [HASH_FORMAT]),
        ("\x00", NUL_REFUSED),
        (SAMPLE_HASH + "\x00", NUL_REFUSED),
        ("\x00" + SAMPLE_HASH[1:], NUL_REFUSED),
    ],
    ids=["spaces", "newline", "tab", "nul", "then-nul", "nul-inside"],
)
def test_patch_with_a_padded_or_nul_body_hash_answers_400_invalid_request(
    operator_client, sample_media, body_hash, messages
):
    """The path names the row, but the body's hash is not 40 hex: a malformed request."""
    with unchanged(SAMPLE_HASH):
        response = patch_json(
            operator_client, SAMPLE_HASH, {"hash": body_hash, "rejection_status": "accepted"}
        )

    assert_invalid_request(response, {"hash": messages})


@pytest.mark.parametrize("bad_hash", [1234, ["a"], {"h": SAMPLE_HASH}, True])
def test_patch_with_a_hash_that_is_not_a_string_answers_400_invalid_request(
    operator_client, sample_media, bad_hash
):
    response = patch_json(
        operator_client, SAMPLE_HASH, {"hash": bad_hash, "rejection_status": "accepted"}
    )

    assert_invalid_request(response, {"hash": [HASH_FORMAT]})
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[]", "Invalid data. Expected a dictionary, but got list."),
        (f'["{SAMPLE_HASH}", "accepted"]', "Invalid data. Expected a dictionary, but got list."),
        ('"accepted"', "Invalid data. Expected a dictionary, but got str."),
        ("42", "Invalid data. Expected a dictionary, but got int."),
        ("null", "No data provided"),
    ],
    ids=["empty-array", "array", "string", "number", "null"],
)
def test_patch_with_a_non_object_body_answers_400_invalid_request(
    operator_client, sample_media, raw, message
):
    response = patch_raw(operator_client, SAMPLE_HASH, raw)

    assert_invalid_request(response, {"non_field_errors": [message]})
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


# --- hashes differ: 400 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path_hash", "body_hash"),
    [
        (SAMPLE_HASH, OTHER_HASH),
        (ABSENT_HASH, OTHER_HASH),
        ("\x00", SAMPLE_HASH),
        ("a" * 10_000, SAMPLE_HASH),
        ("0.5", SAMPLE_HASH),
        ("a.b", SAMPLE_HASH),
        ("...", SAMPLE_HASH),
    ],
    ids=["another-row", "no-such-row", "nul", "10k-chars", "dot", "dotted", "dots"],
)
def test_patch_whose_path_hash_differs_from_the_body_hash_answers_400_and_changes_nothing(
    operator_client, sample_media, make_media, path_hash, body_hash
):
    """Whatever the path holds (the OpenAPI schema documents only this shape for it)."""
    make_media(hash=OTHER_HASH)
    before = {SAMPLE_HASH: fetch_row(SAMPLE_HASH), OTHER_HASH: fetch_row(OTHER_HASH)}

    response = patch_json(
        operator_client, path_hash, {"hash": body_hash, "rejection_status": "accepted"}
    )

    assert response.status_code == 400
    assert response.json() == HASH_MISMATCH
    assert {SAMPLE_HASH: fetch_row(SAMPLE_HASH), OTHER_HASH: fetch_row(OTHER_HASH)} == before


# --- no such row: 404 ---------------------------------------------------------------------


def test_patch_of_an_absent_row_answers_404_naming_the_hash(operator_client, sample_media):
    response = patch_status(operator_client, ABSENT_HASH, "accepted")

    assert response.status_code == 404
    assert response.json() == command_error(
        "Media not found", f"No media found with hash: {ABSENT_HASH}"
    )
    assert row_count() == 1
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "rejected"


def test_patch_of_an_absent_row_in_uppercase_answers_404(operator_client, db):
    upper = ABSENT_HASH.upper()

    response = patch_status(operator_client, upper, "accepted")

    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Media not found"
    assert body["message"].lower() == f"No media found with hash: {ABSENT_HASH}".lower()
