"""The embedded PostgreSQL used when no database is configured.

`make run` and `make test` work on a fresh machine because the `pgserver`
package ships PostgreSQL binaries; the cluster lives in a project-local,
git-ignored folder and keeps running between commands, so a second start
reuses the same data and takes about a second.
"""

import os
import warnings
from pathlib import Path

DATABASE_NAME = "rear_diff"


def ensure_running(data_dir: Path) -> dict:
    """Start (or reuse) the cluster in `data_dir`; return Django connection settings."""
    # Imported here: production images do not install the `embedded` group.
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the
    # fallback it picks is fine, so keep the warning out of every command.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: leave the server running when this process exits, so
    # runserver's autoreloader, manage.py commands and tests share one cluster.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir else "127.0.0.1"
    port = info.port or 5432
    query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"  # noqa: S608
    exists = server.psql(query)
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{DATABASE_NAME}";')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": os.environ.get("EMBEDDED_PG_USER", "postgres"),
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(port),
    }
