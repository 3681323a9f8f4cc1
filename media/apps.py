from django.apps import AppConfig
from django.db.models.signals import pre_migrate


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "Pipeline media"

    def ready(self):
        from media import checks, schema  # noqa: F401  (registers the system checks)

        # Django's own tables go to DJANGO_SCHEMA (the connection's search_path),
        # which must exist before migrate creates django_migrations in it.
        pre_migrate.connect(schema.create_django_schema, sender=self)
