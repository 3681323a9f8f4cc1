"""The list envelope: `data` plus `pagination{total, limit, offset, next, previous}`."""

from urllib.parse import urlsplit

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class MediaPagination(LimitOffsetPagination):
    """DRF's limit/offset pagination, strict about its parameters.

    DRF silently falls back to the default (or clamps) on a bad `limit` or
    `offset`; the contract wants a 400 naming the parameter, so both go through
    serializer fields (DRF pagination.py: get_limit/get_offset).
    """

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
    limit_field = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value", "max_string_length"],
            f"Must be an integer from 1 to {MAX_LIMIT}.",
        ),
    )
    offset_field = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,  # PostgreSQL's OFFSET is a bigint
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value", "max_string_length"],
            "Must be an integer >= 0.",
        ),
    )

    def _parameters(self, request):
        """Validated limit and offset, and the errors of the bad ones, by name."""
        values = {self.limit_query_param: self.default_limit, self.offset_query_param: 0}
        errors = {}
        for name, field in (
            (self.limit_query_param, self.limit_field),
            (self.offset_query_param, self.offset_field),
        ):
            given = request.query_params.getlist(name)
            if not given:
                continue
            if len(given) > 1:
                errors[name] = [ErrorDetail(f"Give {name} at most once.", code="repeated")]
                continue
            raw = given[0]
            try:
                values[name] = field.run_validation(raw)
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
        return values, errors

    def parameter_errors(self, request):
        return self._parameters(request)[1]

    def _validated(self, request, name):
        values, errors = self._parameters(request)
        if errors:
            raise serializers.ValidationError(errors)
        return values[name]

    def get_limit(self, request):
        return self._validated(request, self.limit_query_param)

    def get_offset(self, request):
        return self._validated(request, self.offset_query_param)

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
            self.offset_query_param: {"minimum": 0, "default": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters
