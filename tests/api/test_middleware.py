"""media/api/middleware.py: the request id a client may choose, and one log line per request.

The id (X-Request-ID, django-guid) is echoed, logged, written into the audit
record and named in error bodies; a hostile one is replaced, never stored.
"""

import copy
import json
import logging
import logging.config
import os
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django_guid.log_filters import CorrelationId

from media.models import MediaChange
from tests.spec import SAMPLE_HASH
from tests.support.api import patch_status
from tests.support.rows import break_reads, fetch_row
from tests.support.server import run_python


@pytest.fixture
def request_log(caplog):
    """Records of the `media.requests` logger as the console handler sees them.

    The request id (`correlation_id`) is added by django-guid's filter on the
    handler, not on the logger, so caplog's handler gets the same filter.
    """
    correlation = CorrelationId()
    caplog.handler.addFilter(correlation)
    caplog.set_level(logging.INFO, logger="media.requests")

    def records():
        return [record for record in caplog.records if record.name == "media.requests"]

    yield records
    caplog.handler.removeFilter(correlation)


# --- the request id ------------------------------------------------------------------


def test_client_supplied_request_id_is_echoed_on_a_successful_list(api_client, db):
    response = api_client.get(reverse("media-list"), headers={"X-Request-ID": "trace-123"})

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "trace-123"


def test_a_database_error_answers_the_client_supplied_request_id(api_client, sample_media):
    break_reads()

    response = api_client.get(reverse("media-list"), headers={"X-Request-ID": "front-end-4f2a9c"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "front-end-4f2a9c"
    assert response.json()["request_id"] == "front-end-4f2a9c"


def test_request_id_header_is_generated_when_the_client_sends_none(api_client, db):
    first = api_client.get(reverse("media-list"))
    second = api_client.get(reverse("media-list"))

    assert first.headers["X-Request-ID"]
    assert second.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


HOSTILE_REQUEST_IDS = pytest.mark.parametrize(
    "request_id", ["r" * 65, "x" * 4096, "abc\x00def"], ids=["65-chars", "4096-chars", "nul"]
)


@HOSTILE_REQUEST_IDS
def test_a_hostile_request_id_never_turns_a_patch_into_a_server_error(
    operator_client, sample_media, request_id
):
    """The client's X-Request-ID is written into the audit row: it must fit and be text."""
    response = patch_status(
        operator_client, SAMPLE_HASH, "accepted", headers={"X-Request-ID": request_id}
    )

    assert response.status_code == 200, response.content
    assert fetch_row(SAMPLE_HASH)["rejection_status"] == "accepted"


@HOSTILE_REQUEST_IDS
def test_the_audit_record_keeps_the_request_id_the_response_and_the_log_carry(
    operator_client, sample_media, request_id, request_log
):
    """Whatever id the service makes of a hostile one, it uses that one id everywhere.

    Otherwise the id in the log line or the client's report finds no audit record.
    """
    response = patch_status(
        operator_client, SAMPLE_HASH, "accepted", headers={"X-Request-ID": request_id}
    )

    record = MediaChange.objects.get(media_hash=SAMPLE_HASH)
    assert record.request_id == response.headers["X-Request-ID"]
    (line,) = request_log()
    assert line.correlation_id == record.request_id
    assert record.service_request_id == record.request_id  # the service chose it


def test_a_client_chosen_request_id_is_kept_beside_the_services_own_unique_id(
    operator_client, sample_media, request_log
):
    """A client may send one id twice: the history still tells its writes apart, and each
    record finds its own log line."""
    for status in ("accepted", "override"):
        response = patch_status(
            operator_client, SAMPLE_HASH, status, headers={"X-Request-ID": "trace-123"}
        )
        assert response.headers["X-Request-ID"] == "trace-123"

    records = MediaChange.objects.filter(media_hash=SAMPLE_HASH).order_by("id")
    assert [record.request_id for record in records] == ["trace-123", "trace-123"]
    own = [record.service_request_id for record in records]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in own)
    assert own[0] != own[1]
    assert [line.service_request_id for line in request_log()] == own


# --- the request log: one structured line per request --------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", reverse("media-list"), 200),
        ("get", f"{reverse('media-list')}?limit=0", 400),
        ("get", "/rear-diff/nope", 404),
        ("post", reverse("media-list"), 405),
        ("get", reverse("health"), 200),
    ],
)
def test_each_request_logs_exactly_one_line_with_method_path_status_duration_and_id(
    operator_client, db, request_log, method, path, status
):
    response = getattr(operator_client, method)(path, headers={"X-Request-ID": "log-line-7"})

    assert response.status_code == status
    assert response.headers["X-Request-ID"] == "log-line-7"
    (record,) = request_log()
    assert record.method == method.upper()
    assert record.path == path.split("?")[0]
    assert record.status == status
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    assert record.correlation_id == "log-line-7"
    assert record.levelno == logging.INFO


def test_a_server_error_logs_one_request_line_at_error_level(api_client, sample_media, request_log):
    break_reads()

    response = api_client.get(reverse("media-list"), headers={"X-Request-ID": "log-line-500"})

    assert response.status_code == 500
    (record,) = request_log()
    assert (record.status, record.levelno, record.correlation_id) == (
        500,
        logging.ERROR,
        "log-line-500",
    )


def test_a_request_without_an_id_logs_the_generated_one_it_returns(api_client, db, request_log):
    response = api_client.get(reverse("media-list"))

    (record,) = request_log()
    assert response.headers["X-Request-ID"]
    assert record.correlation_id == response.headers["X-Request-ID"]


def test_json_formatter_writes_the_request_line_as_one_json_object(api_client, db, request_log):
    """The formatter of settings.LOGGING, built as dictConfig builds it, on a real record."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    formatter = configurator.configure_formatter(
        copy.deepcopy(settings.LOGGING["formatters"]["json"])
    )
    api_client.get(reverse("media-list"), {"limit": 1}, headers={"X-Request-ID": "json-line-1"})
    (record,) = request_log()

    line = formatter.format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["method"] == "GET"
    assert entry["path"] == reverse("media-list")
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["request_id"] == "json-line-1"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "media.requests"
    assert entry["time"]
    assert entry["message"].startswith("GET /rear-diff/media 200 ")


def test_text_formatter_escapes_a_path_that_would_forge_a_second_line(api_client, db, request_log):
    """%0a in a path is a newline in request.path: one request, one line, whatever it holds."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    formatter = configurator.configure_formatter(
        copy.deepcopy(settings.LOGGING["formatters"]["text"])
    )
    forged = " 200 1.00ms\n2026-01-01 00:00:00,000 INFO [x] media.requests: GET /rear-diff/ok"
    api_client.get("/rear-diff/nope" + forged.replace("\n", "%0a").replace(" ", "%20"))
    (record,) = request_log()

    line = formatter.format(record)

    assert record.path == "/rear-diff/nope" + forged  # the field keeps what was asked
    assert "\n" not in line
    assert line.endswith(
        "GET /rear-diff/nope 200 1.00ms\\n2026-01-01 00:00:00,000 INFO [x] "
        "media.requests: GET /rear-diff/ok 404 " + f"{record.duration_ms:.2f}ms"
    )


def test_log_format_json_makes_the_process_write_one_json_line_per_request():
    """A fresh process with LOG_FORMAT=json: its stderr is JSON, one object per request."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "client.get('/rear-diff/health', headers={'X-Request-ID': 'json-process-1'})\n"
        "client.get('/rear-diff/nope', headers={'X-Request-ID': 'json-process-2'})\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_FORMAT": "json",
        # What a deployment must set anyway; neither request touches the database.
        "SECRET_KEY": "test-only-json-log",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
    }

    result = run_python(["-c", script], environment)

    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    requests = [entry for entry in entries if entry.get("logger") == "media.requests"]
    assert [(e["request_id"], e["path"], e["status"]) for e in requests] == [
        ("json-process-1", "/rear-diff/health", 200),
        ("json-process-2", "/rear-diff/nope", 404),
    ]
    for entry in requests:
        assert entry["method"] == "GET"
        assert isinstance(entry["duration_ms"], float)
