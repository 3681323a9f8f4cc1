"""GET /rear-diff/metrics for Prometheus, and the middleware that measures every request.

Both are on only when METRICS_TOKEN is set (config/settings.py); the scraper
sends it as a bearer token. The metrics themselves are media.metrics'.
"""

import hmac
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from prometheus_client.exposition import choose_encoder
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from media.metrics import DATABASE_SECONDS, REQUEST_SECONDS, registry

# Any other method (a client may send anything) is counted as `other`.
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
SCRAPER = "metrics-token"  # request.auth of a request that sent the token


class MetricsTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <METRICS_TOKEN>`, compared in constant time."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        if not hmac.compare_digest(parts[1], settings.METRICS_TOKEN.encode()):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return AnonymousUser(), SCRAPER

    def authenticate_header(self, request):
        return 'Bearer realm="metrics"'


class IsScraper(BasePermission):
    def has_permission(self, request, view):
        return request.auth == SCRAPER


class PrometheusNegotiation(BaseContentNegotiation):
    """prometheus-client picks the body's format from Accept; an error answers JSON whatever
    was asked (DRF would answer 406 to `Accept: text/plain`).

    https://www.django-rest-framework.org/api-guide/content-negotiation/#example
    """

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MetricsView(APIView):
    """The metrics in Prometheus' text format (OpenMetrics when the scraper asks for it).

    Not part of the API's schema; not served (404) without METRICS_TOKEN, and
    never throttled, like the probes.
    """

    authentication_classes = [MetricsTokenAuthentication]
    permission_classes = [IsScraper]
    throttle_classes = []
    content_negotiation_class = PrometheusNegotiation

    def initial(self, request, *args, **kwargs):
        if not settings.METRICS_TOKEN:
            raise exceptions.NotFound(f"No endpoint at {request.path}")
        super().initial(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request):
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return HttpResponse(encoder(registry()), content_type=content_type)


class DatabaseTime:
    """A connection.execute_wrapper that adds up the time its queries take.

    https://docs.djangoproject.com/en/5.2/topics/db/instrumentation/
    """

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class MetricsMiddleware:
    """Times each request and the database work in it, by method, route and status.

    The route is the URL's name (`media-list`, `media-detail`), so the labels
    take as many values as the service has routes, whatever paths clients send.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # (method, route, status) -> the two series it observes; labels() takes a lock and
        # builds its key on every call, a cost on the read cache's hit path.
        self.series = {}

    def __call__(self, request):
        database = DatabaseTime()
        started = time.perf_counter()
        with connection.execute_wrapper(database):
            response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = request.resolver_match
        route = match.view_name if match else "unmatched"
        method = request.method if request.method in METHODS else "other"
        key = (method, route, response.status_code)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = (
                REQUEST_SECONDS.labels(method, route, response.status_code),
                DATABASE_SECONDS.labels(route),
            )
        series[0].observe(seconds)
        series[1].inc(database.seconds)
        return response
