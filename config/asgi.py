"""The production server's application (config/gunicorn.py: gunicorn with uvicorn workers).

GET /rear-diff/media/events runs under Django's ASGI handler: a stream holds no
thread while it waits (media.live). Every other request runs as WSGI in a
fixed pool of GUNICORN_THREADS threads per worker (a2wsgi), as gunicorn's gthread
workers ran it: each thread keeps its own database connection, which Django's
ASGI handler does not (a thread per request, a connection per request).
Measured on the demo table, 2 workers, wrk with 8 connections, three rounds each
(docs/performance.md, "Serving the live streams"): against gthread workers, a
cached page 1,308 req/s vs 1,416 (-7.6 %), the PATCH 173 vs 186 (-7.3 %), a page
read from the database 174 vs 165 (+5.5 %); Django's ASGI handler for every
request instead: 135 req/s for the cached page (330 with DB_POOL).
"""

import asyncio
import contextvars
import os
import threading

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

from config.env import env

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

EVENTS_PATHS = {"/rear-diff/media/events", "/rear-diff/media/events/"}

THREADS = env.int("GUNICORN_THREADS", default=2)


class ThreadContext:
    """The WSGI application in one context per thread of the pool, as a threaded server
    runs it.

    a2wsgi runs each request in a copy of the event loop's context, and Django keeps
    its database connections in context-local storage: each request opened a
    connection of its own and dropped it (+11 ms on an item read, 4.7 -> 15.6 ms
    median). In the thread's own context a connection lives for CONN_MAX_AGE.
    """

    def __init__(self, app):
        self.app = app
        self.local = threading.local()

    def __call__(self, environ, start_response):
        context = self.local.__dict__.setdefault("context", contextvars.Context())
        return InContext(context, context.run(self.app, environ, start_response))


class InContext:
    """A WSGI response whose iteration and close() (Django's request_finished, which
    closes connections past their age) run in the thread's context too."""

    def __init__(self, context: contextvars.Context, response):
        self.context, self.response = context, response

    def __iter__(self):
        chunks = self.context.run(iter, self.response)
        while True:
            try:
                yield self.context.run(next, chunks)
            except StopIteration:
                return

    def close(self):
        if hasattr(self.response, "close"):
            self.context.run(self.response.close)


django_asgi = get_asgi_application()
requests = WSGIMiddleware(ThreadContext(get_wsgi_application()), workers=THREADS)
# Until its answer starts, a stream's request runs in a thread of its own with a
# database connection (authentication, its filters): at most THREADS at a time,
# or a thousand clients reconnecting at once would open a thousand connections.
starting = asyncio.Semaphore(THREADS)


async def streams(scope, receive, send):
    await starting.acquire()
    started = False

    async def sending(message):
        nonlocal started
        if not started and message["type"] == "http.response.start":
            started = True
            starting.release()
        await send(message)

    try:
        await django_asgi(scope, receive, sending)
    finally:
        if not started:
            starting.release()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] not in EVENTS_PATHS:
        return await requests(scope, receive, send)
    if scope["type"] == "http":
        return await streams(scope, receive, send)
    return await django_asgi(scope, receive, send)
