"""A system check that says what the service will serve from the live media table.

The pipeline migrates `atp.media` on its own schedule and the service follows
it (media.layout). Run `manage.py check --database default` to see it: only a
missing table or a missing required column is an error; every key that will be
null and every column that will not be served is a warning naming it.
https://docs.djangoproject.com/en/5.2/topics/checks/
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

from media.layout import read_layout


@register(Tags.database)
def check_media_table(app_configs=None, databases=None, **kwargs):
    """Compare what the service needs and knows with the live table's catalogue."""
    from media.models import Media

    messages = []
    table = Media._meta.db_table
    for alias in databases or ():
        try:
            layout = read_layout(connections[alias])
        except DatabaseError as exc:
            messages.append(Error(f"Cannot read the catalogue of {table}: {exc}", id="media.E001"))
            continue
        if not layout.exists:
            messages.append(
                Error(
                    f"The table {table} does not exist in database '{alias}'.",
                    hint=f"Is MEDIA_SCHEMA ({settings.MEDIA_SCHEMA}) right?",
                    id="media.E002",
                )
            )
            continue
        messages += [
            Error(
                f"Column {table}.{column} is missing: the service cannot serve the table "
                "without it (readiness answers 503).",
                obj=Media,
                id="media.E003",
            )
            for column in layout.missing_required
        ]
        messages += [
            Warning(
                f"Key {key} has no source in {table} or atp.training: it is served as null, "
                "and cannot be filtered or sorted on.",
                obj=Media,
                id="media.W003",
            )
            for key, source in layout.sources.items()
            if source is None and key not in layout.missing_required
        ]
        messages += [
            Warning(
                f"Column {table}.{column} is not known to the service: it is not served.",
                obj=Media,
                id="media.W002",
            )
            for column in layout.unserved
        ]
    return messages
