"""The list endpoint's query parameters: filters and the sort_by/sort_order ordering.

Every parameter is a django-filter filter, so a bad value becomes a 400 naming
the parameter (DjangoFilterBackend raises the form's errors), never a silent
default.
"""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from media.models import (
    HASH_PATTERN_ECMA,
    HASH_REGEX,
    Media,
    MediaType,
    PipelineStatus,
    RejectionStatus,
)

DEFAULT_SORT_BY = "created_at"
DEFAULT_SORT_ORDER = "desc"
# Every column but the two arrays; ties are broken by the primary key.
SORTABLE_COLUMNS = [
    field.column for field in Media._meta.concrete_fields if field.name not in {"genre", "language"}
]
SORT_ORDERS = ["asc", "desc"]


def _one_of(values) -> str:
    return "Select a valid choice. %(value)s is not one of: " + ", ".join(values) + "."


def enum_filter(choices, **kwargs) -> filters.ChoiceFilter:
    """An exact-match filter whose error names every allowed value."""
    return filters.ChoiceFilter(
        choices=choices,
        error_messages={"invalid_choice": _one_of(value for value, _ in choices)},
        **kwargs,
    )


class StrictBooleanField(forms.Field):
    """Only `true` or `false`: django-filter's BooleanWidget ignores anything else."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        normalized = str(value).strip().lower()
        if normalized not in {"true", "false"}:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return normalized == "true"


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget turns anything but true/false/1/0 into
        # "no filter" before the field sees it; a plain input lets the field refuse.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class HashFormField(forms.RegexField):
    default_error_messages = {"invalid": "Must be 40 hexadecimal characters."}

    def __init__(self, **kwargs):
        super().__init__(regex=HASH_REGEX, **kwargs)

    def to_python(self, value):
        return super().to_python(value).lower()


class HashFilter(filters.CharFilter):
    field_class = HashFormField


class MediaFilterForm(forms.Form):
    def clean(self):
        # A parameter given twice is ambiguous: refuse it rather than pick one.
        for name in self.fields:
            if len(self.data.getlist(name)) > 1:
                self.add_error(name, f"Give {name} at most once.")
        return super().clean()


class MediaFilter(filters.FilterSet):
    media_type = enum_filter(MediaType.choices, help_text="Exact media type.")
    pipeline_status = enum_filter(PipelineStatus.choices, help_text="Exact pipeline status.")
    rejection_status = enum_filter(RejectionStatus.choices, help_text="Exact rejection status.")
    error_status = StrictBooleanFilter(help_text="`true` or `false`.")
    # The schemas say what the form fields enforce, so generated clients know too
    # (with an explicit schema, drf-spectacular takes the description from it).
    imdb_id = extend_schema_field(
        {"type": "string", "maxLength": 10, "description": "Exact IMDb id, e.g. tt2759766."}
    )(filters.CharFilter(max_length=10))
    hash = extend_schema_field(
        {
            "type": "string",
            "pattern": HASH_PATTERN_ECMA,
            "description": "Exact info-hash (40 hex digits, any case).",
        }
    )(HashFilter())
    media_title = extend_schema_field(
        {
            "type": "string",
            "maxLength": 255,
            "description": "Case-insensitive substring of the title.",
        }
    )(filters.CharFilter(lookup_expr="icontains", max_length=255))
    sort_by = filters.ChoiceFilter(
        choices=[(column, column) for column in SORTABLE_COLUMNS],
        method="order_rows",
        error_messages={"invalid_choice": _one_of(SORTABLE_COLUMNS)},
        help_text=f"Column to sort on (default `{DEFAULT_SORT_BY}`); ties are broken by `hash`.",
    )
    sort_order = filters.ChoiceFilter(
        choices=[(order, order) for order in SORT_ORDERS],
        method="order_rows",
        error_messages={"invalid_choice": _one_of(SORT_ORDERS)},
        help_text=f"`asc` or `desc` (default `{DEFAULT_SORT_ORDER}`).",
    )

    class Meta:
        model = Media
        fields = []
        form = MediaFilterForm

    def order_rows(self, queryset, name, value):
        # sort_by and sort_order work as a pair: filter_queryset applies them once.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort_by = self.form.cleaned_data.get("sort_by") or DEFAULT_SORT_BY
        sign = (
            "-"
            if (self.form.cleaned_data.get("sort_order") or DEFAULT_SORT_ORDER) == "desc"
            else ""
        )
        # The hash tie-breaker makes the order total, so limit/offset pages
        # neither repeat nor skip rows.
        return queryset.order_by(f"{sign}{sort_by}", f"{sign}hash")
