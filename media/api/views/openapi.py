"""GET /rear-diff/openapi.json: the schema of the table as it is now (media.api.openapi).

Its own module: the schema class (media.api.openapi) is imported by drf-spectacular's
views module, so the view that uses both cannot live beside it.
"""

from drf_spectacular.views import SpectacularJSONAPIView

from media.api.openapi import LiveSchemaGenerator


class LiveSchemaView(SpectacularJSONAPIView):
    """/rear-diff/openapi.json: generated again only when the table's layout changes."""

    generator_class = LiveSchemaGenerator
