"""DRF's JSON parser, answering 400 for every body it cannot take."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser turns a ValueError into a 400, but the standard json module
    raises RecursionError for deep nesting (Python 3.11 from about 1,000 levels,
    3.13 from about 10,000: a 20 KB body of `[`): that is a malformed request too,
    not a server error.
    https://www.django-rest-framework.org/api-guide/parsers/#custom-parsers
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - arrays or objects are nested too deeply.") from exc
