"""The production server's application (config/gunicorn.py: gunicorn with uvicorn workers).

GET /rear-diff/media/events runs under Django's ASGI handler: a stream holds no
thread while it waits (media.live). Every other request runs as WSGI in a
fixed pool of GUNICORN_THREADS threads per worker (a2wsgi), as gunicorn's gthread
workers ran it: each thread keeps its own database connection, which Django's
ASGI handler does not (a thread per request, a connection per request).
Measured on the demo table, 2 workers, wrk with 8 connections, three rounds each
(docs/performance.md): a cached page 1,427 req/s on gthread, 1,330 here (-7 %);
health 2,869 vs 2,685; a page read from the database 189 vs 166; Django's ASGI
handler for every request instead: 135 req/s for the cached page.
"""

import os

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

from config.env import env

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

EVENTS_PATHS = {"/rear-diff/media/events", "/rear-diff/media/events/"}

streams = get_asgi_application()
requests = WSGIMiddleware(get_wsgi_application(), workers=env.int("GUNICORN_THREADS", default=2))


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] not in EVENTS_PATHS:
        return await requests(scope, receive, send)
    return await streams(scope, receive, send)
