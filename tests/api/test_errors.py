"""Errors outside an endpoint's own rules: unknown paths and methods a path does not take.

Every answer is JSON in the shape of its path (the read shape, or the command
shape on the rejection-status path), never HTML, whatever the client accepts.
Database failures are in test_database_errors.py.
"""

import pytest
from django.urls import reverse

from tests.spec import SAMPLE_HASH
from tests.support.api import command_error, history_path, item_path, status_path
from tests.support.rows import unchanged

ACCEPT = {"hash": SAMPLE_HASH, "rejection_status": "accepted"}


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/rear-diff/nope", "/rear-diff/nope"),
        ("/nope", "/nope"),
        ("/", "/"),
        ("/rear-diff/media/x/y/z", "/rear-diff/media/x/y/z"),
        ("/rear-diffmedia", "/rear-diffmedia"),
        ("/rear-diff/nope%00", "/rear-diff/nope\x00"),
        ("/rear-diff/%ff%fe", "/rear-diff/%FF%FE"),
        ("/rear-diff/" + "x" * 10_000, "/rear-diff/" + "x" * 10_000),
        (f"/rear-diff/media/{SAMPLE_HASH}/unknown", f"/rear-diff/media/{SAMPLE_HASH}/unknown"),
        ("/rear-diff/static/missing.js", "/rear-diff/static/missing.js"),
        ("/admin/", "/admin/"),
    ],
    ids=[
        "unknown",
        "outside-rear-diff",
        "root",
        "too-deep",
        "prefix-without-slash",
        "nul",
        "invalid-utf8",
        "10k-chars",
        "under-a-row",
        "missing-static-file",
        "admin",
    ],
)
def test_unknown_path_answers_404_json_naming_it_whatever_the_method(
    api_client, db, method, path, named
):
    response = getattr(api_client, method)(path, headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "Not found", "details": f"No endpoint at {named}"}
    assert b"<html" not in response.content.lower()


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize(
    "path",
    [
        reverse("media-list"),
        reverse("media-list") + "/",
        item_path(SAMPLE_HASH),
        item_path(SAMPLE_HASH) + "/",
        history_path(SAMPLE_HASH),
    ],
    ids=["list", "list-slash", "item", "item-slash", "history"],
)
def test_method_not_allowed_on_a_read_path_answers_405_in_the_read_shape(
    operator_client, sample_media, method, path
):
    with unchanged(SAMPLE_HASH):
        response = getattr(operator_client, method)(path, ACCEPT, format="json")

    assert response.status_code == 405
    assert response.json() == {
        "error": "Method not allowed",
        "details": f'Method "{method.upper()}" not allowed.',
    }


@pytest.mark.parametrize("method", ["get", "put", "post", "delete"])
def test_other_methods_on_the_rejection_status_path_answer_405_in_the_command_shape(
    operator_client, sample_media, method
):
    with unchanged(SAMPLE_HASH):
        response = getattr(operator_client, method)(status_path(SAMPLE_HASH), ACCEPT, format="json")

    assert response.status_code == 405
    assert response.json() == command_error(
        "Method not allowed", f'Method "{method.upper()}" not allowed.'
    )
