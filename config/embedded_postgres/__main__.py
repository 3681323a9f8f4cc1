"""`python -m config.embedded_postgres release|delete`: stop or remove the embedded cluster.

release: stop it unless another client is connected (`make run` on exit: a test
run or a second server keeps it). delete: stop it and remove its folder
(`make clean-db`). Both act on the cluster of the project's settings
(LOCAL_STATE_DIR) and do nothing when a database is configured.
"""

import argparse
import sys

from config.embedded_postgres import EmbeddedCluster, settings_data_dir


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m config.embedded_postgres")
    parser.add_argument("action", choices=["release", "delete"])
    action = parser.parse_args().action
    data_dir = settings_data_dir()
    if data_dir is None:
        print("A database is configured (DATABASE_URL or PGSQL_*): no embedded PostgreSQL.")
        return 0
    cluster = EmbeddedCluster(data_dir)
    if action == "delete":
        cluster.delete()
        print(f"Stopped and deleted the embedded PostgreSQL under {data_dir}.")
        return 0
    if not cluster.is_running():
        return 0
    users = cluster.stop_unless_used()
    if users:
        print(
            f"The embedded PostgreSQL under {data_dir} keeps running: used by {', '.join(users)}."
        )
    else:
        print(f"Stopped the embedded PostgreSQL under {data_dir}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
