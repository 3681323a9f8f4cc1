"""The list's query parameters: filters, sort, soft delete and the page, in one validated form.

Every parameter is a field of the FilterSet's form, so one 400 names every bad
parameter (media.selectors raises the form's errors). The filters follow the
live table (media.layout): enum filters accept its labels, `sort_by` its scalar
columns, and a filter on a column the table lacks is refused by name.

The selectors read rows through these FilterSets, the bulk service selects its
batch through MediaFilter, and the HTTP layer documents them; so they belong
to the domain, and what the OpenAPI schema adds to them is declared in
media.api.schema.
https://django-filter.readthedocs.io/en/stable/guide/usage.html
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import django_filters as filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django_filters.fields import BaseCSVField, ChoiceField

from media.actions import HISTORY_ACTIONS
from media.forms import GivenValue, PageForm, StrictQueryForm
from media.layout import ENUM_FILTER_COLUMNS, TableLayout
from media.models import (
    HASH_REGEX,
    Media,
    MediaChange,
    MediaType,
    PipelineStatus,
    RejectionStatus,
)

DEFAULT_SORT_BY = "created_at"
# What sort_by may name on some generation of the table: the schema's enum.
KNOWN_SCALAR_COLUMNS = [
    field.column for field in Media._meta.concrete_fields if not isinstance(field, ArrayField)
]
DEFAULT_SORT_ORDER = "desc"
SORT_ORDERS = ("asc", "desc")


def one_of(values) -> str:
    """A choice field's error message naming every allowed value."""
    return "Select a valid choice. %(value)s is not one of: " + ", ".join(values) + "."


class QueryBooleanField(GivenValue, forms.Field):
    """Only `true` or `false`: django-filter's BooleanWidget ignores anything else."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        normalized = str(value).strip().lower()
        if normalized not in {"true", "false"}:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return normalized == "true"


class QueryBooleanFilter(filters.BooleanFilter):
    field_class = QueryBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget turns anything but true/false/1/0 into
        # "no filter" before the field sees it; a plain input lets the field refuse.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class HashFormField(GivenValue, forms.RegexField):
    default_error_messages = {"invalid": "Must be 40 hexadecimal characters."}

    def __init__(self, **kwargs):
        super().__init__(regex=HASH_REGEX, **kwargs)

    def to_python(self, value):
        return super().to_python(value).lower()


class HashFilter(filters.CharFilter):
    field_class = HashFormField


# RFC 3339's date-time, what OpenAPI's `format: date-time` means: a full date, T, a time
# with seconds (a fraction optional) and a zone, Z or +hh:mm. T and Z may be lower case
# (RFC 3339, section 5.6). ASCII digits only: Python's \d also takes other scripts' digits.
RFC3339_DATE_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?:[Zz]|(?P<sign>[+-])(?P<offset_hour>[0-9]{2}):(?P<offset_minute>[0-9]{2}))"
)
MICROSECOND = Decimal("0.000001")
# The Gregorian calendar repeats every 400 years, leap days included.
GREGORIAN_CYCLE = 400
EARLIEST, LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime in UTC; ValueError for anything else.

    As PostgreSQL reads them: a leap second (`:60`) is the next minute's first, and
    digits past the microsecond round. An instant before year 1 or after 9999 once
    in UTC (`0001-01-01T00:00:00+05:00`), which Python cannot hold and no row read
    through it can have, becomes the first or last one it can.
    """
    match = RFC3339_DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (
        int(match[name]) for name in ("year", "month", "day", "hour", "minute", "second")
    )
    offset_hours, offset_minutes = int(match["offset_hour"] or 0), int(match["offset_minute"] or 0)
    if hour > 23 or minute > 59 or second > 60 or offset_hours > 23 or offset_minutes > 59:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    # Year 0 (1 BC) is a leap year like 400: build it 400 years on, move it back at the end.
    shifted = GREGORIAN_CYCLE if year == 0 else 0
    leap = second == 60
    moment = datetime(year + shifted, month, day, hour, minute, second - leap, tzinfo=UTC)
    fraction = Decimal(f"0.{match['fraction'] or 0}").quantize(MICROSECOND)
    offset = timedelta(hours=offset_hours, minutes=offset_minutes)
    try:
        moment += timedelta(seconds=leap, microseconds=int(fraction / MICROSECOND))
        moment -= -offset if match["sign"] == "-" else offset
    except OverflowError:
        return EARLIEST if year < 5000 else LATEST
    if shifted:
        if moment.year - shifted < 1:
            return EARLIEST
        moment = moment.replace(year=moment.year - shifted)
    return moment


class UtcDateTimeField(forms.Field):
    """An RFC 3339 date-time, read in UTC (PostgreSQL refuses offsets beyond 15:59).

    Nothing looser: not a date alone, not a time without its zone or seconds,
    not a space for the T, and not an empty value (`?updated_before=`).
    """

    default_error_messages = {"invalid": "Enter an RFC 3339 date-time, e.g. 2025-05-07T20:33:57Z."}

    def to_python(self, value):
        if value is None:  # the parameter is absent
            return None
        try:
            return parse_rfc3339(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class EnumSetField(BaseCSVField, ChoiceField):
    """Comma-separated labels, each a valid choice; an empty item is refused, not matched.

    `?pipeline_status=` is one empty item too (django-filter reads it as no labels).
    """

    default_error_messages = {"empty_item": "Give labels separated by commas, none of them empty."}

    def clean(self, value):
        values = super().clean(value)
        if values == [] or (values and any(item in self.empty_values for item in values)):
            raise forms.ValidationError(self.error_messages["empty_item"], code="empty_item")
        return values


class EnumSetFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """An enum filter taking a set: `pipeline_status=downloading,downloaded`."""

    base_field_class = EnumSetField


class UnavailableField(forms.CharField):
    """A parameter whose column the live table lacks: refused by name, never a 500."""

    def __init__(self, *, reason: str = "", **kwargs):
        self.reason = reason
        super().__init__(**kwargs)

    def validate(self, value):
        if value not in self.empty_values:
            raise forms.ValidationError(self.reason, code="unavailable")


class UnavailableFilter(filters.CharFilter):
    field_class = UnavailableField


class SoftDeleteFilter(QueryBooleanFilter):
    """`include_deleted`: rows whose deleted_at is set are hidden unless it is true.

    Applied for every request, given or not; a table without deleted_at has
    nothing to hide.
    """

    def filter(self, qs, value):
        return qs.visible(layout=self.parent.layout, include_deleted=bool(value))


class SortField(GivenValue, forms.ChoiceField):
    """`sort_by`: the live table's scalar columns; other keys are refused with the reason."""

    def __init__(self, *, unsortable: dict[str, str] | None = None, **kwargs):
        self.unsortable = unsortable or {}
        super().__init__(**kwargs)

    def validate(self, value):
        if value in self.unsortable:
            raise forms.ValidationError(self.unsortable[value], code="unsortable")
        super().validate(value)


class SortFilter(filters.ChoiceFilter):
    """`sort_by` with `sort_order`: the list's one ordering, ties broken by `hash`.

    The hash tie-breaker makes the order total, so limit/offset pages neither
    repeat nor skip rows. Applied for every request (the defaults otherwise).
    """

    field_class = SortField

    def filter(self, qs, value):
        order = self.parent.form.cleaned_data.get("sort_order") or DEFAULT_SORT_ORDER
        sign = "-" if order == "desc" else ""
        return qs.order_by(f"{sign}{value or DEFAULT_SORT_BY}", f"{sign}hash")


class QueryChoiceField(GivenValue, ChoiceField):
    pass


class QueryChoiceFilter(filters.ChoiceFilter):
    field_class = QueryChoiceField


class QueryUUIDField(GivenValue, forms.UUIDField):
    pass


class QueryUUIDFilter(filters.UUIDFilter):
    field_class = QueryUUIDField


class SortOrderFilter(QueryChoiceFilter):
    """`sort_order`: validated here, applied by SortFilter together with `sort_by`."""

    def filter(self, qs, value):
        return qs


class ListQueryForm(PageForm):
    """The list's form: the FilterSet adds its filters to limit, offset and the strict checks."""


class PagedFilterSet(filters.FilterSet):
    """A FilterSet whose form also pages: its limit and offset page rather than filter."""

    def filter_queryset(self, queryset):
        # Every filter, given or not (sort and soft delete apply their defaults).
        for name, filter_ in self.filters.items():
            queryset = filter_.filter(queryset, self.form.cleaned_data.get(name))
        return queryset


class LiveTableFilterSet(PagedFilterSet):
    """A FilterSet over the media table as it is now (the layout the request is served with)."""

    def __init__(self, data=None, queryset=None, *, layout: TableLayout, **kwargs):
        self.layout = layout
        super().__init__(data, queryset, **kwargs)
        adapt_to_layout(self.filters, layout)


INCLUDE_DELETED_HELP = (
    "`true` also shows soft-deleted rows (their `deleted_at` is set). Default `false`; "
    "on a table without soft delete it changes nothing."
)


class ItemQueryForm(StrictQueryForm):
    """The one parameter of GET /rear-diff/media/{hash}."""

    include_deleted = QueryBooleanField(required=False, help_text=INCLUDE_DELETED_HELP)


# What every date-time parameter says of its values: the format, and that empty is refused.
DATE_TIME_HELP = (
    "An RFC 3339 date-time (e.g. 2025-05-07T20:33:57Z or 2025-05-07T22:33:57.5+02:00); "
    "anything else, the empty value included, answers 400."
)


def _range_help(column: str, side: str) -> str:
    bound = "at or after" if side == "after" else "before"
    return f"Rows whose {column} is {bound} this time. {DATE_TIME_HELP}"


class MediaFilter(LiveTableFilterSet):
    # The declared choices are every label the table's generations have had
    # (the OpenAPI schema's enums); a request may use the live table's labels.
    media_type = EnumSetFilter(
        choices=MediaType.choices, help_text="Media types, comma-separated (any of them)."
    )
    pipeline_status = EnumSetFilter(
        choices=PipelineStatus.choices,
        help_text="Pipeline statuses, comma-separated (any of them): `downloading,downloaded`.",
    )
    rejection_status = EnumSetFilter(
        choices=RejectionStatus.choices,
        help_text="Rejection statuses, comma-separated (any of them).",
    )
    error_status = QueryBooleanFilter(help_text="`true` or `false`.")
    # Their descriptions are in their schemas (media.api.schema.FILTER_SCHEMAS).
    imdb_id = filters.CharFilter(max_length=10)
    hash = HashFilter()
    media_title = filters.CharFilter(lookup_expr="icontains", max_length=255)
    # Half-open ranges: `after` includes its time, `before` does not, so
    # consecutive ranges never count a row twice.
    created_after = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text=_range_help("created_at", "after")
    )
    created_before = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text=_range_help("created_at", "before")
    )
    updated_after = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=_range_help("updated_at", "after")
    )
    updated_before = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="lt", help_text=_range_help("updated_at", "before")
    )
    include_deleted = SoftDeleteFilter(help_text=INCLUDE_DELETED_HELP)
    sort_by = SortFilter(
        choices=[(name, name) for name in KNOWN_SCALAR_COLUMNS],
        help_text=f"A column of the table to sort on (default `{DEFAULT_SORT_BY}`); ties are "
        "broken by `hash`. Keys read from atp.training, arrays and keys the table lacks "
        "cannot be sorted on.",
    )
    sort_order = SortOrderFilter(
        choices=[(order, order) for order in SORT_ORDERS],
        error_messages={"invalid_choice": one_of(SORT_ORDERS)},
        help_text=f"`asc` or `desc` (default `{DEFAULT_SORT_ORDER}`).",
    )

    class Meta:
        model = Media
        fields = []
        form = ListQueryForm


# What GET /rear-diff/media/facets counts by default, and all it can count.
FACET_FIELDS = ("pipeline_status", "rejection_status", "media_type", "error_status")


class FacetFieldsFilter(EnumSetFilter):
    """`fields`: the columns to count by; validated here, counted by media.selectors."""

    def filter(self, qs, value):
        return qs


class FacetFilter(MediaFilter):
    """The facets' parameters: the columns to count, and any of the list's filters."""

    fields = FacetFieldsFilter(
        choices=[(name, name) for name in FACET_FIELDS],
        error_messages={"invalid_choice": one_of(FACET_FIELDS)},
        help_text="The columns to count by, comma-separated (default: all of "
        + ", ".join(FACET_FIELDS)
        + ").",
    )


class HistoryQueryForm(PageForm):
    """The history's form: its filters, limit, offset and the strict checks."""


class MediaChangeFilter(PagedFilterSet):
    """GET /rear-diff/history: every write, filtered; newest first."""

    hash = HashFilter(field_name="media_hash")
    action = QueryChoiceFilter(
        choices=[(name, name) for name in HISTORY_ACTIONS],
        error_messages={"invalid_choice": one_of(HISTORY_ACTIONS)},
        help_text="`rejection-status` (the PATCH), `pipeline` (the console's route) or an "
        "action's name.",
    )
    changed_by = filters.CharFilter(field_name="changed_by_name", max_length=150)
    batch_id = QueryUUIDFilter(help_text="The batch id a bulk request answered.")
    since = UtcDateTimeFilter(
        field_name="changed_at",
        lookup_expr="gte",
        help_text=f"Writes at or after this time. {DATE_TIME_HELP}",
    )
    until = UtcDateTimeFilter(
        field_name="changed_at",
        lookup_expr="lt",
        help_text=f"Writes before this time. {DATE_TIME_HELP}",
    )

    class Meta:
        model = MediaChange
        fields = []
        form = HistoryQueryForm


def adapt_to_layout(declared: dict, layout: TableLayout) -> None:
    """Adapt a FilterSet's filters (its per-instance copies) to the live table."""
    for filter_ in declared.values():
        # A copy of a filter whose form field was already built keeps it.
        filter_.__dict__.pop("_field", None)
    for name, filter_ in list(declared.items()):
        column = getattr(filter_, "field_name", name)
        if isinstance(filter_, SoftDeleteFilter | SortFilter | SortOrderFilter | FacetFieldsFilter):
            continue
        if column not in layout.media:
            declared[name] = UnavailableFilter(
                field_name=column,
                reason=f"{name} cannot be filtered on: the media table has no column {column}.",
            )
        elif column in ENUM_FILTER_COLUMNS and (labels := layout.labels(column)) is not None:
            filter_.extra["choices"] = [(label, label) for label in labels]
            filter_.extra["error_messages"] = {"invalid_choice": one_of(labels)}
    if "sort_by" in declared:
        sort_by = declared["sort_by"]
        sort_by.extra["choices"] = [(column, column) for column in layout.sortable]
        sort_by.extra["error_messages"] = {"invalid_choice": one_of(layout.sortable)}
        sort_by.extra["unsortable"] = unsortable_keys(layout)


def unsortable_keys(layout: TableLayout) -> dict[str, str]:
    """The served keys `sort_by` refuses, each with why."""
    sortable = ", ".join(layout.sortable)
    reasons = {}
    for key, source in layout.sources.items():
        if key in layout.sortable:
            continue
        if source is None:
            why = "the media table has no such column"
        elif source.table == "training":
            why = "it is read from atp.training"
        elif source.column != key:
            why = f"it is read from the column {source.column}"
        else:
            why = "it is an array"
        reasons[key] = f"Cannot sort on {key}: {why}. Sort on one of: {sortable}."
    return reasons
