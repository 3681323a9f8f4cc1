"""Inside Django, for run.py: the exact SQL each case makes the service send.

Usage: python -m tests.bench.capture <rows> <folder>, with the service's
environment. First the service's own tables (migrate) and an operator with a
token for the PATCH, on the benchmark database. Then each case's request goes
through django.test.Client with the same settings and database as gunicorn;
Django's CaptureQueriesContext records every statement with its values
inlined (psycopg's client-side binding, Django's default) and the BEGIN and
COMMIT of its transactions. The statements become pgbench scripts: one
request = one pgbench transaction.
https://docs.djangoproject.com/en/5.2/topics/testing/tools/#django.test.utils.CaptureQueriesContext
"""

import json
import sys
from io import StringIO
from pathlib import Path

import django

from tests.bench.cases import PATCH_HASHES, all_cases, patch_body

OPERATOR = "bench"  # the benchmark database's operator, who sends the PATCH


def captured(send) -> str:
    """Run `send()` (one request), return the SQL it ran as a pgbench script.

    Django records BEGIN and COMMIT among the statements, so the script replays
    the request's transaction as it ran.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = send()
    if response.status_code != 200:
        raise SystemExit(f"capture: {response.status_code} {response.content[:500]!r}")
    return "".join(query["sql"].strip().rstrip(";") + ";\n" for query in queries)


def prepare_service() -> str:
    """The service's own tables (migrate_locked, as a deployment does) and an operator's
    token."""
    from django.core.management import call_command

    # migrate_locked also installs the change log, which the read cache validates by.
    call_command("migrate_locked", interactive=False, verbosity=0)
    call_command("media_operator", "create", OPERATOR, stdout=StringIO())
    token = StringIO()
    # Keys are shown only when issued: rotate prints a fresh one on every run.
    call_command("media_operator", "rotate", OPERATOR, stdout=token)
    return token.getvalue().strip()


def service_pgoptions() -> str:
    """The service's session settings, for pgbench to replay its SQL under the same ones.

    Not statement_timeout: the floor is what the SQL costs, and pgbench would
    stop a client at its first cancelled statement.
    """
    from django.db import connection

    options = connection.settings_dict["OPTIONS"].get("options", "")
    return " ".join(
        f"-c {setting}"
        for setting in options.split("-c ")
        if setting.strip() and not setting.startswith("statement_timeout")
    )


def main() -> None:
    rows, folder = int(sys.argv[1]), Path(sys.argv[2])
    django.setup()
    from django.test import Client

    from media.layout import current_layout
    from media.models import Media

    token = prepare_service()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.sql"):
        old.unlink()
    # secure=True: the request arrived over TLS, as through the deployment's proxy.
    client = Client(HTTP_HOST="127.0.0.1")
    scripts_of = {}
    for case in all_cases(rows):
        if case.method == "GET":
            client.get(case.path, secure=True)  # connects and warms up; not recorded
            scripts = {
                f"{case.name}.sql": captured(lambda case=case: client.get(case.path, secure=True))
            }
        else:
            rows = Media.objects.visible(layout=current_layout()).order_by("hash")
            hashes = list(rows.values_list("hash", flat=True)[:PATCH_HASHES])
            (folder / "patch_hashes.txt").write_text("\n".join(hashes) + "\n")
            scripts = {}
            for status in ("accepted", "rejected"):
                for number, hash_value in enumerate(hashes):
                    path = case.path.format(hash=hash_value)
                    body = patch_body(hash_value, status)
                    scripts[f"{case.name}-{status}-{number:02d}.sql"] = captured(
                        lambda path=path, body=body: client.patch(
                            path,
                            body,
                            content_type="application/json",
                            secure=True,
                            headers={"Authorization": f"Token {token}"},
                        )
                    )
        for name, text in scripts.items():
            (folder / name).write_text(text)
        scripts_of[case.name] = sorted(scripts)
    manifest = {
        "operator_token": token,
        "scripts": scripts_of,
        "pgoptions": service_pgoptions(),
        "table": Media._meta.db_table,
        "soft_delete": current_layout().soft_delete,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
