"""Pages: the envelope `data` + `pagination` with DRF's limit/offset links."""

from urllib.parse import urlsplit

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from media.forms import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, PageForm, validated
from media.selectors import Page, page_of


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
        self.set_page(page, request)
        return page.items

    def set_page(self, page: Page, request) -> None:
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
