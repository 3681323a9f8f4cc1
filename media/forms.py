"""The query-string forms: strict parameters (each given at most once, none empty), and `limit`
and `offset` refused out of range. Every list's FilterSet builds on PageForm (media.filters)."""

from django import forms

from media.errors import InvalidRequest, form_messages

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
        raise InvalidRequest(form_messages(form.errors))
    return form.cleaned_data
