"""gunicorn settings for the production image (Dockerfile) and the tests that start it.

https://docs.gunicorn.org/en/stable/settings.html
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# (2 x cores) + 1 processes is gunicorn's own starting point. Threaded workers
# (gthread): a slow or stalled client holds one thread, not a whole process,
# and keep-alive connections wait in the worker's poller, not in a thread.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# A request (including reading a slow client's body) gets this long; the
# database's statement_timeout is shorter, so queries end first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# The application logs one line per request (media.middleware), with its id.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Since gunicorn 25.1 a control socket lives at one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl), so two servers
# on one machine (tests, benchmark, a container's read-only home) would clash.
control_socket_disable = True
