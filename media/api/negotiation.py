"""Content negotiation: DRF's, answering the renderer's own media type.

DRF hands a renderer the client's Accept entry, parameters included
(`application/json; indent=4; x=y`); the read cache keyed and labelled its
answers by it, so each spelling was an entry of its own and its parameters
came back in Content-Type. Nothing here renders differently by parameter.
https://www.django-rest-framework.org/api-guide/content-negotiation/#custom-content-negotiation
"""

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        renderer, _ = super().select_renderer(request, renderers, format_suffix)
        return renderer, renderer.media_type
