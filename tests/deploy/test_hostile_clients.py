"""What a hostile client sends the production server: over-long request lines and parameters,
and a made-up X-Forwarded-For per request to escape the anonymous throttle.

The request line and the client's address need the real gunicorn, which reads
them before Django does; the same throttle in-process is in
tests/api/test_throttling.py, bodies in tests/api/test_parsers.py.
"""

import json
import socket

import pytest
from django.urls import reverse

from tests.support.api import invalid_query
from tests.support.database import server_environment
from tests.support.server import ProductionServer

LIST = reverse("media-list")
RATE = 5


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """One worker, so one throttle counter (see test_shared_throttle.py for several)."""
    environment = server_environment(GUNICORN_WORKERS="1", THROTTLE_ANON_RATE=f"{RATE}/min")
    log = tmp_path_factory.mktemp("gunicorn") / "log"
    with ProductionServer(environment, log=log) as running:
        yield running


def test_an_over_long_parameter_through_gunicorn_answers_a_json_400(server):
    status, headers, body = server.get(f"{LIST}?media_title={'a' * 5000}")

    assert (status, headers["Content-Type"]) == (400, "application/json")
    assert json.loads(body) == invalid_query(
        media_title="Ensure this value has at most 255 characters (it has 5000)."
    )


def raw_get(port, request_line):
    """The status line and Content-Type of a request sent byte for byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"{request_line}\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n")[0].decode().split("\r\n")
    content_type = [
        line.split(":", 1)[1].strip() for line in head if line.lower().startswith("content-type:")
    ]
    return head[0], content_type


def request_line_of(length):
    padding = length - len(f"GET {LIST}?media_title= HTTP/1.1")
    return f"GET {LIST}?media_title={'a' * padding} HTTP/1.1"


def test_a_request_line_of_8190_bytes_reaches_django_one_more_gets_a_json_414(server):
    """8190 bytes, gunicorn's largest limit_request_line, is the worker's bound
    (config/workers.py), documented in docs/operations.md."""
    assert len(request_line_of(8190)) == 8190

    assert raw_get(server.port, request_line_of(8190)) == (
        "HTTP/1.1 400 Bad Request",
        ["application/json"],
    )
    assert raw_get(server.port, request_line_of(8191)) == (
        "HTTP/1.1 414 URI Too Long",
        ["application/json"],
    )


def test_gunicorn_throttles_a_client_whatever_x_forwarded_for_it_sends(server):
    """From its own loopback address (127.0.0.2), so no other test shares its bucket."""
    statuses = [
        server.get(LIST, headers={"X-Forwarded-For": f"198.51.100.{i}"}, source="127.0.0.2")[0]
        for i in range(RATE + 3)
    ]
    other_client = server.get(LIST, source="127.0.0.3")[0]

    assert statuses == [200] * RATE + [429] * 3
    assert other_client == 200
