import logging

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, pre_migrate

logger = logging.getLogger(__name__)


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "Pipeline media"

    def ready(self):
        from media import checks, ddl  # noqa: F401  (registers the system checks)
        from media.operators import ensure_operators_group

        # Django's own tables go to DJANGO_SCHEMA (the connection's search_path),
        # which must exist before migrate creates django_migrations in it.
        pre_migrate.connect(ddl.create_django_schema, sender=self)
        # After auth's create_permissions (connected first): the group that
        # carries the operators' permissions.
        post_migrate.connect(ensure_operators_group, sender=self)

        if settings.AUTH_DISABLED:
            logger.warning(
                "AUTH_DISABLED is on: anyone who can reach this service can change "
                "rejection statuses and run the operator actions, recorded as 'anonymous'."
            )
