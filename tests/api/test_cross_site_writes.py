"""Writes a web page on another site cannot make: a foreign Origin is refused, and so is any body
that is not JSON, so no "simple request" (an HTML form, a no-cors fetch) writes, whatever the mode.

With AUTH_DISABLED a browser of an operator would otherwise carry any page's form
straight to the actions. The pipeline's console sends JSON, or no body at all.
"""

import pytest
from django.urls import reverse

from tests.support.api import patch_status, status_path
from tests.support.operators import action_url, assert_refused, history
from tests.support.rows import fetch_row, unchanged

# Where a write comes from does not depend on the table's generation: today's is enough.
pytestmark = pytest.mark.tables("g2")

VITE = "http://localhost:5173"
EVIL = "http://evil.example"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [VITE]


@pytest.fixture(params=["auth disabled", "default"])
def writer(request, settings, api_client, operator_client):
    """Anyone with AUTH_DISABLED; an operator's token otherwise."""
    settings.AUTH_DISABLED = request.param == "auth disabled"
    return api_client if settings.AUTH_DISABLED else operator_client


def delete_by_form(client, hash_value, **headers):
    """What `<form method=post action=.../actions/delete>` on any page sends: an empty form."""
    return client.post(action_url(hash_value, "delete"), "", content_type=FORM, headers=headers)


def test_a_form_on_another_site_cannot_delete_a_row(writer, unfiltered_row):
    with unchanged(unfiltered_row.hash):
        response = delete_by_form(writer, unfiltered_row.hash, Origin=EVIL)

    assert_refused(
        response,
        403,
        "Permission denied",
        "A write from a web page of another origin is refused: only this service's own "
        "origin and CORS_ALLOWED_ORIGINS may write.",
    )
    assert fetch_row(unfiltered_row.hash)["deleted_at"] is None
    assert history(unfiltered_row.hash) == []


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_write_from_another_site_without_an_origin_header_is_refused(
    writer, unfiltered_row, site
):
    with unchanged(unfiltered_row.hash):
        response = patch_status(writer, unfiltered_row.hash, headers={"Sec-Fetch-Site": site})

    assert_refused(response, 403, "Permission denied")
    assert history(unfiltered_row.hash) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": VITE, "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        {},
    ],
    ids=["allowed-origin", "own-origin", "no-browser"],
)
def test_json_writes_from_the_allowed_origin_its_own_or_no_browser_pass(
    writer, unfiltered_row, headers
):
    response = patch_status(writer, unfiltered_row.hash, "accepted", headers=headers)

    assert response.status_code == 200, response.content
    assert fetch_row(unfiltered_row.hash)["rejection_status"] == "accepted"
    assert len(history(unfiltered_row.hash)) == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, ""),
        (FORM, "reason=x"),
        ("multipart/form-data; boundary=x", "--x--\r\n"),
        ("text/plain", '{"reason": "x"}'),
        ("", '{"reason": "x"}'),
    ],
    ids=["empty-form", "form", "multipart", "text-plain", "no-content-type"],
)
def test_an_action_refuses_a_body_that_is_not_json_with_415(
    writer, unfiltered_row, content_type, body
):
    """Whatever the Origin: a form needs none to be refused."""
    with unchanged(unfiltered_row.hash):
        response = writer.generic(
            "POST", action_url(unfiltered_row.hash, "delete"), body, content_type=content_type
        )

    assert_refused(response, 415, "Unsupported media type")
    assert history(unfiltered_row.hash) == []


@pytest.mark.parametrize(
    "path",
    [
        lambda h: reverse("media-console-approve", args=[h]),
        lambda h: status_path(h),
    ],
    ids=["console-approve", "rejection-status"],
)
def test_a_patch_refuses_a_form_content_type_with_415(writer, unfiltered_row, path):
    with unchanged(unfiltered_row.hash):
        response = writer.patch(path(unfiltered_row.hash), "", content_type=FORM)

    assert_refused(response, 415, "Unsupported media type")
    assert history(unfiltered_row.hash) == []


def test_an_action_without_a_body_still_runs(writer, unfiltered_row):
    """The body is optional (the console's routes send none): no body, no Content-Type."""
    response = writer.post(action_url(unfiltered_row.hash, "delete"))

    assert response.status_code == 200, response.content
    assert fetch_row(unfiltered_row.hash)["deleted_at"] is not None
