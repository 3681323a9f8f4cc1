"""The test database for what runs beside the service: processes, connections, outages.

Processes the tests start (the settings from scratch, the server) get an
environment built here (PATH and what a deployment sets), so nothing of the
test run's own environment or `.env` leaks in, and name the test database this
run uses, on the embedded cluster or a configured server. Only the test suite
imports this module: it needs pytest-django's connection.
"""

import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection

from media.models import Media
from tests.support.api import token_client
from tests.support.rows import LONG_AGO, insert_media
from tests.support.server import production_environment

# The Redis of these machines (shared throttle counters and read-cache entries).
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def database_settings() -> dict:
    """HOST, PORT, USER, PASSWORD, NAME of the database this run's connection uses.

    On the embedded cluster HOST stays empty until a connection starts it
    (config/embedded_postgres/base.py); asking the cluster instead gives the
    address also before that, so no child process falls back to 127.0.0.1:5432.
    """
    database = connection.settings_dict
    host, port = database["HOST"], database["PORT"]
    if not host and "DATA_DIR" in database:
        from config.embedded_postgres.base import running_cluster

        cluster = running_cluster(database["DATA_DIR"])
        host, port = cluster.host, cluster.port
    return {
        "HOST": host or "127.0.0.1",
        "PORT": str(port or 5432),
        "USER": database["USER"],
        "PASSWORD": database["PASSWORD"] or "",
        "NAME": database["NAME"],
    }


def connect(dbname: str | None = None, **options) -> psycopg.Connection:
    """An autocommit connection to `dbname` (default: the test database) on the test server."""
    database = {**database_settings(), **options}
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname=dbname or database["NAME"],
        autocommit=True,
    )


@contextmanager
def unreachable(django_db_blocker) -> Iterator[None]:
    """Point the default connection at a local port where nothing listens, as if stopped.

    A socket bound but never listening holds the port, so no other process can
    take it and every connection is refused at once. Not inside the db
    fixture: closing a connection inside its transaction would break the
    rollback. The settings come back afterwards and the connection is closed,
    so the next query connects to the test database as usual.
    """
    saved = dict(connection.settings_dict)
    with socket.socket() as holder, django_db_blocker.unblock():
        holder.bind(("127.0.0.1", 0))
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(holder.getsockname()[1]))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@contextmanager
def committed_media(rows: list[dict]) -> Iterator[list[str]]:
    """Movies committed for every connection to see, each `rows` item's values over the
    defaults; their hashes. For transaction=True tests, whose threads connect on their own.

    The media table is unmanaged, so pytest-django's flush leaves it alone: the rows
    are deleted before (a crashed run's leftovers) and after, and this thread's
    connection is closed as the threads close theirs.
    """
    hashes = [row["hash"] for row in rows]
    Media.objects.filter(hash__in=hashes).delete()
    defaults = {"media_type": "movie", "created_at": LONG_AGO, "updated_at": LONG_AGO}
    for row in rows:
        insert_media(**(defaults | row))
    try:
        yield hashes
    finally:
        Media.objects.filter(hash__in=hashes).delete()
        connection.close()


def run_together(key: str, work: Callable, threads: int) -> list:
    """Run work(client, i) in `threads` threads released at once by a barrier; the results.

    Each thread has its own API client sending the token `key` and its own
    database connection, which it closes at the end. No thread may still run or
    have raised: an exception is kept, then asserted here, not lost.
    """
    barrier = threading.Barrier(threads)
    results = [None] * threads

    def target(i):
        try:
            client = token_client(key)
            barrier.wait(timeout=20)
            results[i] = work(client, i)
        except BaseException as exc:  # asserted below, in the test's thread
            results[i] = exc
        finally:
            connection.close()

    started = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in started)
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


@contextmanager
def scratch_database(
    suffix: str, *, generation: str | None = None, template: str | None = None
) -> Iterator[str]:
    """A database beside the test database, dropped after; with the pipeline's media
    table of `generation` when one is named, or a copy of the database `template`
    (which nobody may be connected to). Its name."""
    from media.demo.ddl import generation_sql

    name = f"{connection.settings_dict['NAME']}_{suffix}"
    with connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        try:
            if generation:
                with connect(name) as pipeline:
                    pipeline.execute(f'CREATE SCHEMA "{settings.MEDIA_SCHEMA}"')
                    pipeline.execute(f'SET search_path TO "{settings.MEDIA_SCHEMA}"')
                    pipeline.execute(generation_sql(generation))
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(dbname: str | None = None, user: str | None = None) -> str:
    """A django-environ URL for the test database, or another on its server (TCP or a
    socket folder)."""
    database = {**database_settings(), **({"NAME": dbname} if dbname else {})}
    if user:
        database.update(USER=user, PASSWORD="")
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host, port, name = database["HOST"], database["PORT"], database["NAME"]
    if host.startswith("/"):
        # A Unix socket folder goes in the path: postgres://user@:port/%2Fsocket%2Fdir/name
        return f"postgres://{credentials}@:{port}/{quote(host, safe='')}/{name}"
    return f"postgres://{credentials}@{host}:{port}/{name}"


def deployment_environment(**overrides: str | None) -> dict:
    """What a deployment sets: DATABASE_URL, a strong secret key, its host names.

    HTTPS stays on, as in production (`check --deploy` looks at it); an override
    of None removes that variable.
    """
    variables = {
        "DATABASE_URL": database_url(),
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "api.example",
        "SECURE_SSL_REDIRECT": None,
        **overrides,
    }
    return production_environment(inherit=False, **variables)


def server_environment(**overrides: str | None) -> dict:
    """The production server's environment on the test database, for ProductionServer.

    The database is named by the earlier service's PGSQL_* variables, which
    proves they are honoured; two workers unless overridden (None: gunicorn's
    default). The host names are the loopback ones ProductionServer asks by.
    """
    database = database_settings()
    variables = {
        **{f"PGSQL_{name}": value for name, value in database.items()},
        "GUNICORN_WORKERS": "2",
        **overrides,
    }
    return production_environment(inherit=False, **variables)
