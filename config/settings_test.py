"""The test suite's settings (pytest-django): the project's own, as a local run on any database.

With a configured database and DEBUG off, config/settings.py is a deployment:
it wants a named key and host names, and sends plain HTTP to HTTPS. The test
client speaks plain HTTP to a test database, so the suite states here what it
needs instead of in the environment. Tests of the deployment settings run
config.settings itself in a subprocess with an environment of their own.
"""

import atexit
import os
import shutil
import tempfile

# What a deployment must name, so that the settings below import; the values a
# test environment sets itself win.
os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Metrics on, so that every test's request goes through their middleware.
os.environ.setdefault("METRICS_TOKEN", "test-only-metrics-token")

from config.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# The default cache's files (throttle counters) in a folder of this test process's
# own: pytest-xdist's workers and their tests would otherwise share counters.
if CACHES["default"]["BACKEND"] == "diskcache_community.DjangoCache":  # noqa: F405
    CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="rear-diff-test-cache-")  # noqa: F405
    atexit.register(shutil.rmtree, CACHES["default"]["LOCATION"], ignore_errors=True)  # noqa: F405
