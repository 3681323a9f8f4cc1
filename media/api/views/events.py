"""GET /rear-diff/media/events: the list's changes as Server-Sent Events (media.live).

The request is checked as the list's is (authentication, permissions,
throttles, the list's filters), in the request's thread; the stream then runs
on the event loop of the ASGI server that serves it, so an idle client holds
no thread. docs/api.md, "Live changes", is the client's side.
"""

import orjson
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.settings import api_settings

from media import live
from media.filters import MediaFilter
from media.forms import validated
from media.layout import current_layout
from media.models import Media

# What EventSource waits before it reconnects: soon after a drop; a while when the
# service runs without the log, whose answer is always one resync.
RETRY_MS = 1000
RETRY_WITHOUT_LOG_MS = 30000


class EventStreamRenderer(BaseRenderer):
    """Declares text/event-stream; the stream itself is written by `sse` below."""

    media_type = "text/event-stream"
    format = "event-stream"


class ErrorsAsJson(DefaultContentNegotiation):
    """An error before the stream starts is JSON whatever the Accept header says:
    EventSource sends `text/event-stream`, and a refusal is not an event. `?format=`
    still chooses among the route's formats, and an unknown one is a 404, as DRF's."""

    def select_renderer(self, request, renderers, format_suffix=None):
        chosen = format_suffix or request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        if chosen:
            renderers = self.filter_renderers(renderers, chosen)
        return renderers[0], renderers[0].media_type


def sse(event: live.Event | None) -> bytes:
    """One event as the text/event-stream format writes it; None is a heartbeat."""
    if event is None:
        return b": keep-alive\n\n"
    lines = []
    if event.kind != "position":
        lines.append(f"event: {event.kind}")
        lines.append("data: " + orjson.dumps(event.data or {}).decode())
    if event.id is not None:
        lines.append(f"id: {event.id}")
    return ("\n".join(lines) + "\n\n").encode()


def retry(subscription: live.Subscription) -> bytes:
    return f"retry: {RETRY_MS if subscription.logged else RETRY_WITHOUT_LOG_MS}\n\n".encode()


async def stream(subscription: live.Subscription):
    yield retry(subscription)
    async for event in live.events(subscription):
        yield sse(event)


class EventsView:
    """The `events` route of MediaViewSet (its schema: media.api.schema.media_reads)."""

    @action(
        detail=False,
        methods=["get"],
        filterset_class=MediaFilter,
        pagination_class=None,
        renderer_classes=[api_settings.DEFAULT_RENDERER_CLASSES[0], EventStreamRenderer],
        content_negotiation_class=ErrorsAsJson,
    )
    def events(self, request):
        """The rows that change, as they commit: the list's filters choose which (a row counts
        when it matched them before or after the change)."""
        layout = current_layout()
        filterset = MediaFilter(request.query_params, queryset=Media.objects.all(), layout=layout)
        validated(filterset.form)
        subscription = live.subscribe(
            filterset.qs, request.headers.get("Last-Event-ID"), layout=layout
        )
        if isinstance(request._request, WSGIRequest):
            # Under WSGI (runserver, the test client) a stream would hold its thread for
            # good: the client gets what is new and reconnects after RETRY_MS.
            response = HttpResponse(
                retry(subscription) + b"".join(map(sse, live.once(subscription))),
                content_type="text/event-stream",
            )
        else:
            # Under ASGI this request's database connection would live as long as the
            # stream (Django closes it when the response ends): a thousand streams would
            # hold a thousand connections. The poller reads for every stream of the
            # process on one connection of its own.
            connection.close()
            response = StreamingHttpResponse(stream(subscription), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        # nginx buffers proxied responses unless told not to (docs/operations.md).
        response["X-Accel-Buffering"] = "no"
        return response
