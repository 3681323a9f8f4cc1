"""config/settings.py as a deployment reads it: check --deploy, the secure defaults, start-up
refusals, the warning AUTH_DISABLED logs.

Settings are read once per process, so the deployment cases run Django in a
subprocess with an environment built from scratch (nothing of this test run's
own environment leaks in), pointed at the test database server.
"""

import json

import environ
import pytest
from django.db import connection

from tests.support.database import database_url, deployment_environment
from tests.support.server import refusal
from tests.support.server import run_python as run

AUTH_DISABLED_WARNING = (
    "AUTH_DISABLED is on: anyone who can reach this service can change rejection statuses "
    "and run the operator actions, recorded as 'anonymous'."
)
SETUP = "import django; django.setup()"
SHOW_SETTINGS = """
import json, django
django.setup()
from corsheaders.conf import conf as cors
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT current_database()")
    database = cursor.fetchone()[0]
names = [
    "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS", "SECURE_PROXY_SSL_HEADER",
]
cors_names = ["CORS_ALLOWED_ORIGINS", "CORS_ALLOW_ALL_ORIGINS", "CORS_ALLOW_CREDENTIALS"]
shown = {"database": database}
shown.update({name: getattr(settings, name) for name in names})
shown.update({name: getattr(cors, name) for name in cors_names})
print(json.dumps(shown))
"""


@pytest.fixture
def test_database(django_db_setup, django_db_blocker):
    """The test database exists, and database_url() names it."""
    with django_db_blocker.unblock():
        parsed = environ.Env.db_url_config(database_url())
    db = connection.settings_dict
    assert (parsed["HOST"], str(parsed["PORT"]), parsed["NAME"]) == (
        db["HOST"] or "127.0.0.1",
        str(db["PORT"] or "5432"),
        db["NAME"],
    )
    return db["NAME"]


# --- check --deploy -------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings_from_the_environment(test_database):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], deployment_environment()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # Silenced: django-axes' warning about a per-process cache (config/settings.py).
    assert result.stdout.strip() in {
        f"System check identified no issues ({n} silenced)." for n in (0, 1)
    }


def test_check_deploy_is_clean_behind_a_tls_proxy(test_database):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        deployment_environment(BEHIND_PROXY="true"),
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "check_id"),
    [
        ({"SECURE_COOKIES": "false"}, "security.W012"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
    ],
    ids=["insecure cookies", "no hsts", "no https redirect"],
)
def test_check_deploy_fails_when_a_deployment_weakens_a_default(test_database, override, check_id):
    """The clean run above is not vacuous: the same check catches a weakened setting."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        deployment_environment(**override),
    )

    assert result.returncode != 0
    assert check_id in result.stderr


def test_production_settings_are_the_secure_ones_and_reach_the_configured_database(
    test_database,
):
    result = run(["-c", SHOW_SETTINGS], deployment_environment())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "database": test_database,
        "DEBUG": False,
        "ALLOWED_HOSTS": ["api.example"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_PROXY_SSL_HEADER": None,
        "CORS_ALLOWED_ORIGINS": [],
        "CORS_ALLOW_ALL_ORIGINS": False,
        "CORS_ALLOW_CREDENTIALS": True,
    }


def test_behind_proxy_trusts_x_forwarded_proto(test_database):
    result = run(["-c", SHOW_SETTINGS], deployment_environment(BEHIND_PROXY="true"))

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_wildcard_origin_is_refused_by_the_checks(test_database):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        deployment_environment(CORS_ALLOWED_ORIGINS="*"),
    )

    assert result.returncode != 0
    assert "corsheaders.E013" in result.stderr


@pytest.mark.parametrize(
    ("environment", "num_proxies"),
    [
        ({}, 0),
        ({"BEHIND_PROXY": "true"}, 1),
        ({"BEHIND_PROXY": "true", "TRUSTED_PROXIES": "2"}, 2),
        ({"BEHIND_PROXY": "true", "TRUSTED_PROXIES": "0"}, 0),
    ],
    ids=["direct", "behind-a-proxy", "two-proxies", "proxy-that-sets-no-x-forwarded-for"],
)
def test_throttles_trust_x_forwarded_for_only_from_the_configured_proxies(
    test_database, environment, num_proxies
):
    show = (
        f"{SETUP}; from django.conf import settings; print(settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )

    result = run(["-c", show], deployment_environment(**environment))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(num_proxies)]


# --- refusing to start --------------------------------------------------------------------


DEPLOYMENT_NEEDS = "it is required with a configured database and DEBUG off."


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", f"Set SECRET_KEY in the environment: {DEPLOYMENT_NEEDS}"),
        (
            "ALLOWED_HOSTS",
            "Set ALLOWED_HOSTS in the environment (comma-separated host names): "
            f"{DEPLOYMENT_NEEDS} Keep localhost for the health probe.",
        ),
    ],
    ids=["no-secret-key", "no-allowed-hosts"],
)
def test_a_deployment_without_its_key_or_host_names_refuses_to_start(
    test_database, missing, message
):
    result = run(["-c", SETUP], deployment_environment(**{missing: None}))

    assert refusal(result) == message


def test_with_debug_on_a_missing_secret_key_is_generated_locally(test_database, tmp_path):
    """Only deployments must name their key: a development machine gets one beside its state.

    Made when first used, not when the settings are imported.
    """
    use_key = SETUP + "; from django.conf import settings; print(settings.SECRET_KEY)"
    result = run(
        ["-c", use_key],
        deployment_environment(
            SECRET_KEY=None, ALLOWED_HOSTS=None, DEBUG="true", LOCAL_STATE_DIR=str(tmp_path)
        ),
    )

    assert result.returncode == 0, result.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) >= 50
    assert result.stdout.strip() == key


# --- AUTH_DISABLED warns at start-up ---------------------------------------------------------


def _log_records(stderr):
    """Log lines as dicts: JSON lines as they are, text lines as {"line": ...}."""
    records = []
    for line in stderr.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append({"line": line})
    return records


@pytest.mark.parametrize("debug", ["true", None], ids=["debug (text log)", "deployment (json)"])
def test_auth_disabled_logs_a_warning_at_start_up(test_database, debug):
    result = run(["-c", SETUP], deployment_environment(AUTH_DISABLED="true", DEBUG=debug))

    assert result.returncode == 0, result.stderr
    warnings = [
        record
        for record in _log_records(result.stderr)
        if AUTH_DISABLED_WARNING in record.get("message", record.get("line", ""))
    ]
    assert len(warnings) == 1, result.stderr
    (warning,) = warnings
    if "line" in warning:
        assert " WARNING " in warning["line"]
    else:
        assert warning["level"] == "WARNING"


def test_without_auth_disabled_no_warning_is_logged(test_database):
    result = run(["-c", SETUP], deployment_environment(DEBUG="true"))

    assert result.returncode == 0, result.stderr
    assert "AUTH_DISABLED" not in result.stderr
