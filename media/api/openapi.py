"""drf-spectacular customisation: the schema of the table as it is now.

The declarations (models, serializers, filters) name every column, label and
sort key the table has had over its generations; the served schema says what
the live table (media.layout) has: the schema class adapts each operation's
filter parameters, a postprocessing hook the enum components and the item's
keys, and the schema view's generator (media.api.views.openapi) generates it
again only when the table's layout changes.
https://drf-spectacular.readthedocs.io/en/latest/customization.html
"""

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS

from media.filters import EnumSetFilter, LiveTableFilterSet, UnavailableFilter
from media.layout import TableLayout, current_layout
from media.models import Media

# The enum components (ENUM_NAME_OVERRIDES' names) and the column whose live labels each lists.
ENUM_COLUMNS = {
    "MediaTypeEnum": "media_type",
    "PipelineStatusEnum": "pipeline_status",
    "RejectionStatusEnum": "rejection_status",
    "RssSourceEnum": "rss_source",
}
# The components of an item (MediaSerializer, MediaItemSerializer): a key per served column.
ITEM_COMPONENTS = ("Media", "MediaItem")
MODEL_COLUMNS = frozenset(field.column for field in Media._meta.concrete_fields)


class MediaAutoSchema(AutoSchema):
    """Optional credentials where reads are open (never on the views MediaAccess keeps
    `authenticated_only`); filter parameters as the live table takes them.

    drf-spectacular adds the empty requirement `{}` only for AllowAny-like
    permission classes it knows; reads here are open unless READ_AUTH_REQUIRED.
    """

    def get_auth(self):
        auths = super().get_auth()
        if getattr(self.view, "authenticated_only", False):  # the histories, in every mode
            return auths
        anonymous_ok = settings.AUTH_DISABLED or (
            self.method in SAFE_METHODS and not settings.READ_AUTH_REQUIRED
        )
        if anonymous_ok and {} not in auths:
            auths.append({})
        return auths

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        filterset_class = getattr(self.view, "filterset_class", None)
        if operation and filterset_class and issubclass(filterset_class, LiveTableFilterSet):
            layout = current_layout()
            if layout.exists:  # else there is nothing to describe but the declarations
                live = filterset_class(layout=layout).filters
                operation["parameters"] = live_parameters(operation.get("parameters", []), live)
        return operation


def live_parameters(parameters: list[dict], live: dict) -> list[dict]:
    """The parameters as the FilterSet adapted to the live table takes them.

    A filter on a column the table lacks is left out (a request naming it
    answers 400); a choice takes the live table's values: enum labels, sort keys;
    a set at least one of them (`?pipeline_status=` answers 400).
    """
    kept = []
    for parameter in parameters:
        filter_ = live.get(parameter["name"]) if parameter["in"] == "query" else None
        if isinstance(filter_, UnavailableFilter):
            continue
        choices = filter_.extra.get("choices") if filter_ is not None else None
        values = parameter["schema"].get("items", parameter["schema"])
        if choices and "enum" in values:
            values["enum"] = sorted(value for value, _ in choices)
        if isinstance(filter_, EnumSetFilter):
            parameter["schema"]["minItems"] = 1
        kept.append(parameter)
    return kept


def live_table(result, generator, request, public):
    """POSTPROCESSING_HOOKS: enum components and item keys as the live table has them.

    Without a table there is nothing to describe but the declarations.
    """
    layout = current_layout()
    if layout.exists:
        describe_layout(result["components"]["schemas"], layout)
    return result


def describe_layout(schemas: dict, layout: TableLayout) -> None:
    for name, column in ENUM_COLUMNS.items():
        labels = layout.labels(column)
        if labels and name in schemas:
            schemas[name]["enum"] = list(labels)
    unserved = MODEL_COLUMNS - set(layout.sources)
    for name in ITEM_COMPONENTS:
        item = schemas[name]
        item["properties"] = {
            key: value for key, value in item["properties"].items() if key not in unserved
        }
        item["required"] = [key for key in item.get("required", []) if key not in unserved]


def contract_paths(endpoints):
    """PREPROCESSING_HOOKS: each path as the contract spells it, without the trailing slash.

    The routes accept both spellings (regex `/?`), which drf-spectacular would
    render as a trailing slash.
    """
    return [
        (path.rstrip("/") if path != "/" else path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
    ]


class LiveSchemaGenerator(SchemaGenerator):
    """Generates the schema once per layout of the table, not per request.

    Generating costs a few hundred milliseconds; a layout's fingerprint
    changes only when the pipeline migrates the table, and a changed setting
    (READ_AUTH_REQUIRED in a test) starts afresh.
    """

    _schemas: dict = {}
    _lock = threading.Lock()

    def get_schema(self, request=None, public=False):
        key = (current_layout().fingerprint, public, self.api_version)
        with self._lock:  # one generation at a time: drf-spectacular's state is global
            if key not in self._schemas:
                self._schemas.clear()  # only the live layout's is worth keeping
                self._schemas[key] = super().get_schema(request=request, public=public)
            return self._schemas[key]


@receiver(setting_changed)
def _forget_schemas(**kwargs):
    with LiveSchemaGenerator._lock:
        LiveSchemaGenerator._schemas.clear()
