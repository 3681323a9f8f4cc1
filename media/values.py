"""Column values as the service serves them, in an item and in the history alike."""

from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings


def utc_timestamp(value: datetime | None) -> str | None:
    """The contract's timestamp: ISO 8601 in UTC, a Z, always six fractional digits.

    The format is the API's DATETIME_FORMAT (config/settings.py), so a timestamp reads the
    same whether a serializer's field or this function renders it.
    """
    if value is None:
        return None
    return value.astimezone(UTC).strftime(settings.REST_FRAMEWORK["DATETIME_FORMAT"])


def json_value(value):
    """A column's value as the item serves it: timestamps as above, numerics as JSON numbers."""
    if isinstance(value, datetime):
        return utc_timestamp(value)
    if isinstance(value, Decimal):
        return float(value)
    return value
