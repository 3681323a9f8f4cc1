"""Django's PostgreSQL backend on the embedded cluster, started when a connection needs it.

So importing the settings starts nothing (collectstatic, checks, the Docker
build); the first connection of a process starts the cluster in the
DATABASES entry's DATA_DIR, creates the project's database and fills in the
socket folder and port.
https://docs.djangoproject.com/en/5.2/ref/databases/#subclassing-the-built-in-database-backends
"""

import threading
from pathlib import Path

from django.db.backends.postgresql import base, client

from config.embedded_postgres import DATABASE_NAME, EmbeddedCluster

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock, one process starts the cluster
    fcntl = None

_lock = threading.Lock()
_prepared: set[Path] = set()  # clusters whose project database this process made sure of


def running_cluster(data_dir: Path | str) -> EmbeddedCluster:
    # Threads of this process, and other processes (pytest-xdist's workers, a
    # server started beside a test run), may all find the cluster stopped at once:
    # one of them starts it and creates the database, the others wait and reuse.
    folder = Path(data_dir)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(folder.parent / f".{folder.name}.start-lock", "w") as lock_file:
        if fcntl is not None:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        cluster = EmbeddedCluster(data_dir).start()
        if cluster.data_dir not in _prepared:
            cluster.ensure_database(DATABASE_NAME)
            _prepared.add(cluster.data_dir)
    return cluster


class DatabaseClient(client.DatabaseClient):
    def runshell(self, parameters):
        self.connection.get_connection_params()  # dbshell: the cluster runs, HOST is known
        super().runshell(parameters)


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self):
        cluster = running_cluster(self.settings_dict["DATA_DIR"])
        # The same dict as settings.DATABASES: later readers see where the cluster
        # listens. An address set there already (a test's unreachable one) stays.
        if not self.settings_dict["HOST"]:
            self.settings_dict["HOST"], self.settings_dict["PORT"] = cluster.host, str(cluster.port)
        return super().get_connection_params()
