"""Pages: the strict query form every list validates, and the envelope `data` + `pagination`."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django_filters.utils import translate_validation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 2**63 - 1  # PostgreSQL's OFFSET is a bigint
LIMIT_MESSAGE = f"Must be an integer from 1 to {MAX_LIMIT}."
OFFSET_MESSAGE = "Must be an integer >= 0."


class GivenValue:
    """A form-field mixin: a parameter is absent or has a value; `?limit=` is a bad value.

    Django's forms read an empty input as no value, as an HTML form sends its
    empty fields. A client that writes `?updated_before=` asked for something,
    and quietly dropping the filter would answer another question; a type
    whose values exclude the empty string (a number, a boolean, a choice, a
    pattern) says so in the OpenAPI schema too. Free text takes it; a comma-separated
    set refuses it as an empty label (media.filters.EnumSetField).
    """

    empty_message = "Give a value, or leave the parameter out."

    def to_python(self, value):
        if value == "":
            raise forms.ValidationError(self.empty_message, code="empty")
        return super().to_python(value)


class QueryIntegerField(GivenValue, forms.IntegerField):
    pass


class StrictQueryForm(forms.Form):
    """A query-string form that refuses a parameter given twice (ambiguous: which one?)."""

    def clean(self):
        for name in self.fields:
            if len(self.data.getlist(name)) > 1:
                self.add_error(name, f"Give {name} at most once.")
        return super().clean()


class PageForm(StrictQueryForm):
    """`limit` and `offset`, refused when out of range (DRF would clamp or ignore them)."""

    limit = QueryIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        error_messages=dict.fromkeys(["invalid", "min_value", "max_value"], LIMIT_MESSAGE),
    )
    offset = QueryIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_OFFSET,
        error_messages=dict.fromkeys(["invalid", "min_value", "max_value"], OFFSET_MESSAGE),
    )

    def clean_limit(self):
        limit = self.cleaned_data["limit"]
        return DEFAULT_LIMIT if limit is None else limit

    def clean_offset(self):
        offset = self.cleaned_data["offset"]
        return 0 if offset is None else offset


def validated(form: forms.Form) -> dict:
    """The form's cleaned data, or one 400 naming every bad parameter."""
    if not form.is_valid():
        raise translate_validation(form.errors)
    return form.cleaned_data


@dataclass(frozen=True)
class Page:
    items: list
    total: int  # matching rows over all pages
    limit: int
    offset: int
    validity: object = None  # what it rests on (media.change_log.Validity), when it was read so


def page_of(rows, *, limit: int, offset: int) -> Page:
    """One page of a queryset (or anything with count() and slicing)."""
    total = rows.count()
    items = list(rows[offset : offset + limit]) if offset < total else []
    return Page(items=items, total=total, limit=limit, offset=offset)


class MediaPagination(LimitOffsetPagination):
    """DRF's limit/offset links and our envelope, over pages the selectors read.

    A view validates limit/offset with its query form (PageForm) and reads the
    page inside its read transaction; this class only renders it.
    """

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's entry point, for the generic views (a row's history)."""
        params = validated(PageForm(request.query_params))
        page = page_of(queryset, limit=params["limit"], offset=params["offset"])
        self.use(page, request)
        return page.items

    def use(self, page: Page, request) -> None:
        """Render `page` next: the attributes DRF's link methods read."""
        self.request = request
        self.count, self.limit, self.offset = page.total, page.limit, page.offset

    @staticmethod
    def _path_absolute(url):
        # Links keep every query parameter (DRF rewrites only limit/offset)
        # and drop scheme and host: the front-end sits behind its own origin.
        if url is None:
            return None
        return urlsplit(url)._replace(scheme="", netloc="").geturl()

    def get_next_link(self):
        return self._path_absolute(super().get_next_link())

    def get_previous_link(self):
        return self._path_absolute(super().get_previous_link())

    def get_paginated_response(self, data):
        return Response(
            {
                "data": data,
                "pagination": {
                    "total": self.count,
                    "limit": self.limit,
                    "offset": self.offset,
                    "next": self.get_next_link(),
                    "previous": self.get_previous_link(),
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri-reference"}
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["total", "limit", "offset", "next", "previous"],
                    "properties": {
                        "total": {"type": "integer", "example": 1245},
                        "limit": {"type": "integer", "example": DEFAULT_LIMIT},
                        "offset": {"type": "integer", "example": 0},
                        "next": {**link, "example": "/rear-diff/media?limit=100&offset=100"},
                        "previous": {**link, "example": None},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters
