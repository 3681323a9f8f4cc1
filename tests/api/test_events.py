"""GET /rear-diff/media/events through Django's test client (WSGI): the checks before a
stream, and the short answer a WSGI server gives. The stream itself, served by the
production server, is tests/deploy/test_live_events.py."""

import re

import pytest

EVENTS = "/rear-diff/media/events"


def test_under_wsgi_a_client_gets_where_it_starts_and_reconnects(api_client, sample_media):
    response = api_client.get(EVENTS, HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert body.startswith("retry: 1000\n\n")
    assert re.search(r"^id: [0-9]+-[0-9]+:[0-9]+:[0-9,]*$", body, re.MULTILINE)


def test_a_position_of_another_server_start_is_a_resync(api_client, sample_media):
    response = api_client.get(EVENTS, HTTP_LAST_EVENT_ID="1-10:10:")
    assert "event: resync\ndata: {}\n" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["media_type=film", "updated_after=yesterday", "include_deleted=maybe"]
)
def test_the_list_s_filters_are_checked_as_the_list_checks_them(api_client, sample_media, query):
    events = api_client.get(f"{EVENTS}?{query}", HTTP_ACCEPT="text/event-stream")
    listed = api_client.get(f"/rear-diff/media?{query}")
    assert events.status_code == listed.status_code == 400
    assert events["Content-Type"].startswith("application/json")
    assert events.json() == listed.json()


def test_reading_needs_what_the_list_needs(api_client, reader_client, settings, sample_media):
    settings.READ_AUTH_REQUIRED = True
    refused = api_client.get(EVENTS, HTTP_ACCEPT="text/event-stream")
    assert refused.status_code == api_client.get("/rear-diff/media").status_code == 401
    assert reader_client.get(EVENTS).status_code == 200


def test_without_the_log_the_answer_is_a_resync_and_a_long_retry(
    api_client, settings, sample_media
):
    settings.CHANGE_LOG_ENABLED = False
    body = api_client.get(EVENTS).content.decode()
    assert body == "retry: 30000\n\nevent: resync\ndata: {}\n\n"
