"""Request ids a client may choose, and one log line per request."""

import logging
import re
import time
import uuid

from media.read_cache import read_cache

logger = logging.getLogger("media.requests")

# What an X-Request-ID may be: it is echoed, logged and stored in the audit table.
REQUEST_ID = re.compile(r"\A[A-Za-z0-9._:-]{1,64}\Z")


class RequestIdFilterMiddleware:
    """Give every request the service's own id; keep a client's X-Request-ID only when it is a
    short, plain token.

    The service's id (`request.service_request_id`) is new for every request, so the
    history can tell apart writes whose client sent the same id twice. django-guid
    takes the client's id as the request's (its own validation accepts UUIDs only, and
    clients send other formats too), or else the service's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.service_request_id = uuid.uuid4().hex
        given = request.META.get("HTTP_X_REQUEST_ID")
        if given is None or not REQUEST_ID.fullmatch(given):
            request.META["HTTP_X_REQUEST_ID"] = request.service_request_id
        return self.get_response(request)


class RequestLogMiddleware:
    """Log every request once, after its response (django-guid adds the request id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        extra = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "service_request_id": getattr(request, "service_request_id", None),
        }
        cache = getattr(response, "read_cache", None)
        if cache is not None:  # a cacheable read: hit, miss or off, and the process's totals
            stats = read_cache().stats()
            extra.update(
                cache=cache,
                cache_hits=stats["hits"],
                cache_misses=stats["misses"],
                cache_bytes=stats["bytes"],
            )
        logger.log(
            level,
            "%s %s %s %.2fms%s",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            f" cache: {cache}" if cache else "",
            extra=extra,
        )
        return response
