"""gunicorn settings for the production image (Dockerfile) and the tests that start it.

Read from the same place as the settings (config.env: the process environment,
then the optional `.env`). gunicorn puts its working directory on sys.path
before it loads this file, so `config` imports as a package.
https://docs.gunicorn.org/en/stable/settings.html
"""

import multiprocessing

from config.env import env

bind = env.str("GUNICORN_BIND", default="0.0.0.0:8000")
# (2 x cores) + 1 processes is gunicorn's own starting point. Threaded workers
# (gthread): a slow or stalled client holds one thread, not a whole process,
# and keep-alive connections wait in the worker's poller, not in a thread.
workers = env.int("GUNICORN_WORKERS", default=multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = env.int("GUNICORN_THREADS", default=2)
# A request (including reading a slow client's body) gets this long; the
# database's statement_timeout is shorter, so queries end first.
timeout = env.int("GUNICORN_TIMEOUT", default=30)
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so no slow leak can grow without bound.
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=5000)
max_requests_jitter = 500
# The application logs one line per request (media.middleware), with its id.
accesslog = None
errorlog = "-"
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1")
# gunicorn 27's control socket lives at one path per user (~/.gunicorn), so two
# servers on one machine (tests, benchmark, a container's read-only home) clash.
control_socket_disable = True
