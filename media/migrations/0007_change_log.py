"""The change log's tables and functions, in the service's own schema (media.change_log).

The triggers that write it go on the pipeline's tables, which the service does
not own: `manage.py media_change_log install` puts them there (it needs the
TRIGGER privilege), not a migration.
"""

from django.db import migrations


def create(apps, schema_editor):
    from media.change_log import create_log_objects

    create_log_objects(using=schema_editor.connection.alias)


def drop(apps, schema_editor):
    from media.change_log import drop_log_objects

    drop_log_objects(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0006_service_request_id"),
    ]

    operations = [migrations.RunPython(create, drop)]
