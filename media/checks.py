"""A system check that compares the Media model with the live table.

The pipeline migrates `atp.media` on its own schedule. Run
`manage.py check --database default` to see, by name, every column, type,
nullability and enum label that no longer matches the model.
https://docs.djangoproject.com/en/5.2/topics/checks/
"""

import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

COLUMNS_SQL = """
SELECT a.attname,
       format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull,
       t.typtype = 'e',
       t.typname,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e
             WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# Django's spelling of a column type -> PostgreSQL's format_type() spelling.
_SPELLINGS = [
    (re.compile(r"^varchar\((\d+)\)"), r"character varying(\1)"),
    (re.compile(r"^char\((\d+)\)"), r"character(\1)"),
    (re.compile(r"^numeric\((\d+), ?(\d+)\)"), r"numeric(\1,\2)"),
]


def _expected_type(field, connection) -> str:
    db_type = field.db_type(connection)
    for pattern, replacement in _SPELLINGS:
        db_type = pattern.sub(replacement, db_type)
    return db_type


@register(Tags.database)
def check_media_table(app_configs=None, databases=None, **kwargs):
    """Compare Media's fields with the columns and enum labels of the live table."""
    from media.models import Media, PgEnumField

    if not databases:
        return []
    messages = []
    table = Media._meta.db_table
    for alias in databases:
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute(COLUMNS_SQL, [table])
                rows = cursor.fetchall()
        except DatabaseError as exc:
            messages.append(Error(f"Cannot read the columns of {table}: {exc}", id="media.E001"))
            continue
        if not rows:
            messages.append(
                Error(
                    f"The table {table} does not exist in database '{alias}'.",
                    hint=f"Is MEDIA_SCHEMA ({settings.MEDIA_SCHEMA}) right?",
                    id="media.E002",
                )
            )
            continue
        live = {row[0]: row[1:] for row in rows}
        model_columns = set()
        for field in Media._meta.concrete_fields:
            model_columns.add(field.column)
            where = f"{table}.{field.column}"
            if field.column not in live:
                messages.append(
                    Error(f"Column {where} is missing from the table.", obj=Media, id="media.E003")
                )
                continue
            type_name, nullable, is_enum, enum_name, labels = live[field.column]
            if isinstance(field, PgEnumField):
                if not is_enum or enum_name != field.enum_type:
                    messages.append(
                        Error(
                            f"Column {where} is {type_name}; the model expects enum "
                            f"{field.enum_type}.",
                            obj=Media,
                            id="media.E004",
                        )
                    )
                    continue
                expected = [value for value, _ in field.choices]
                for label in labels:
                    if label not in expected:
                        messages.append(
                            Warning(
                                f"Enum {enum_name} of {where} has label '{label}' the model "
                                "does not know: rows with it cannot be filtered or validated.",
                                hint="Add it to the model's choices.",
                                obj=Media,
                                id="media.W001",
                            )
                        )
                for label in expected:
                    if label not in labels:
                        messages.append(
                            Error(
                                f"Enum {enum_name} of {where} no longer has label '{label}' "
                                "the model offers: filtering or writing it will fail.",
                                hint="Remove it from the model's choices.",
                                obj=Media,
                                id="media.E005",
                            )
                        )
            elif type_name != _expected_type(field, connection):
                messages.append(
                    Error(
                        f"Column {where} is {type_name}; the model expects "
                        f"{_expected_type(field, connection)}.",
                        obj=Media,
                        id="media.E004",
                    )
                )
            if nullable != field.null:
                messages.append(
                    Error(
                        f"Column {where} is {'nullable' if nullable else 'NOT NULL'}; the model "
                        f"says {'nullable' if field.null else 'NOT NULL'}.",
                        obj=Media,
                        id="media.E006",
                    )
                )
        for column in live.keys() - model_columns:
            messages.append(
                Warning(
                    f"Column {table}.{column} is not mapped by the model (it is not served).",
                    obj=Media,
                    id="media.W002",
                )
            )
    return messages
