import logging

from django.apps import AppConfig
from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate

logger = logging.getLogger(__name__)


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "Pipeline media"

    def ready(self):
        from media import checks  # noqa: F401  (registers the system checks)
        from media.operators import ensure_operators_group

        # Django's own tables go to DJANGO_SCHEMA (the connection's search_path),
        # which must exist before migrate creates django_migrations in it.
        pre_migrate.connect(create_django_schema, sender=self)
        # After auth's create_permissions (connected first): the group that
        # carries the operators' permissions.
        post_migrate.connect(ensure_operators_group, sender=self)

        if settings.AUTH_DISABLED:
            logger.warning(
                "AUTH_DISABLED is on: anyone who can reach this service can change "
                "rejection statuses and run the operator actions, recorded as 'anonymous'."
            )


def create_django_schema(*, using: str = "default", **kwargs) -> None:
    """pre_migrate receiver: make sure DJANGO_SCHEMA exists before migrate.

    An administrator creates it for a least-privileged role (docs/operations.md,
    "Production"); CREATE SCHEMA IF NOT EXISTS would still need the database's CREATE
    privilege, so look first.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [settings.DJANGO_SCHEMA])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(settings.DJANGO_SCHEMA)}")
