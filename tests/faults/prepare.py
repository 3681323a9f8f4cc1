"""Inside Django, for run.py: the faults database made ready for the production server.

Usage: python -m tests.faults.prepare <rows> <seed>, with PGSQL_* pointing at the
faults cluster (never the pipeline's database: this may drop schema atp). Runs
the migrations, creates the production table and fills it with <rows> generated
rows unless it already holds exactly that many, and installs the change log.
"""

import sys

import django


def main() -> None:
    rows, seed = (int(arg) for arg in sys.argv[1:3])
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from media import change_log
    from media.demo.ddl import create_media_table
    from media.demo.generate import media_generate
    from media.models import Media

    call_command("migrate", interactive=False, verbosity=0)
    create_media_table()
    if Media.objects.count() != rows:
        create_media_table(replace=True)
        media_generate(rows=rows, seed=seed)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Media._meta.db_table}")
        print(f"  generated {rows:,} rows (seed {seed})")
    else:
        print(f"  reusing {rows:,} rows")
    change_log.install()  # as migrate_locked does on a deployment whose role may


if __name__ == "__main__":
    main()
