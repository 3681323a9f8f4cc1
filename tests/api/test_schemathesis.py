"""Schemathesis against the service's own /rear-diff/openapi.json, in-process.

Generated requests (valid and invalid, NUL bytes included) go to the WSGI
application on the test database, on G0 and on today's G2 (the schema is the
live table's). Every answer must be a non-5xx whose status code, content type,
headers and body the schema documents; a request the schema forbids must be
refused, and one it allows must be taken, on reads.
https://schemathesis.readthedocs.io/en/stable/
"""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import config.wsgi
from media.models import HASH_REGEX
from media.operators import token_issue
from tests.spec import SAMPLE_HASH

# No 5xx, every response as documented, and the schema exactly as strict as the
# service on requests: what it forbids is refused, credentials it asks for are
# checked.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    ignored_auth,
]
# What the schema allows is taken, on reads: the writes have rules across fields
# (the body's hash repeats the path's, a reason to reject) that no schema states.
READ_CHECKS = [*CHECKS, positive_data_acceptance]
# Per operation and generation: two generations at 50 cost what one did at 100.
MAX_EXAMPLES = 50
# The first generation and today's: the enums, sort keys and item keys differ most
# between them; each generation's other differences are tested where they differ.
pytestmark = pytest.mark.tables("g0", "g2")

# Hypothesis keeps its example database (failures replay first on the next
# run) and caches beside the embedded database, git-ignored, not in the checkout.
set_hypothesis_home_dir(django_settings.LOCAL_STATE_DIR / "hypothesis")


def _aim_some_patches_at_a_real_row(context, case):
    """Half the PATCHes with a well-formed body hash target the sample row, hashes agreeing.

    Random hashes alone would never reach the 200 (and 412) answers, whose
    bodies and ETag header must conform too; the other half keep what was
    generated (mismatches, 404s, malformed bodies).
    """
    body = case.body
    if (
        case.method.upper() == "PATCH"
        and isinstance(body, dict)
        and isinstance(body.get("hash"), str)
        and HASH_REGEX.fullmatch(body["hash"])
        and int(body["hash"][-1], 16) % 2 == 0
    ):
        case.path_parameters = {**case.path_parameters, "hash": SAMPLE_HASH}
        case.body = {**body, "hash": SAMPLE_HASH}
    return case


@pytest.fixture
def api_schema(sample_media, monkeypatch):
    """The schema as the running application serves it, calling the application in-process.

    Requests run on the test's connection inside its transaction, so nothing
    they change survives the test. Django's WSGI handler closes connections
    around each request (request_started/request_finished); Django's own test
    client unhooks that, and so does this fixture, or the test's transaction
    would be closed under it. The throttles are off: hundreds of requests in
    a few seconds would otherwise only meet 429s.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", None)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "write", None)
    try:
        schema = schemathesis.openapi.from_wsgi(reverse("schema"), config.wsgi.application)
        schema.hook("map_case")(_aim_some_patches_at_a_real_row)
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def operator_token(operator):
    return token_issue(username=operator.username)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The function-scoped fixtures (db, the schema) are meant to be shared by
    # every example of the run: one transaction, rolled back at the end.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_generated_request_gets_a_documented_non_5xx_answer(case, operator_token):
    checks = READ_CHECKS if case.method.upper() == "GET" else CHECKS
    case.call_and_validate(headers={"Authorization": f"Token {operator_token}"}, checks=checks)
