"""One exception handler for every error the API answers.

Two body shapes, both from the contract:
- reads:   {"error": <title>, "details": <messages>}
- the PATCH command: {"success": false, "error": <title>, "message": <sentence>}
A view picks the shape with its `error_format` attribute (the PATCH action sets
it through @action's initkwargs). Database failures are logged with the request
id; the body carries the id and, unless DEBUG is on, nothing of the error.
https://www.django-rest-framework.org/api-guide/exceptions/#custom-exception-handling
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django_guid import get_guid
from psycopg.errors import QueryCanceled
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

QUERY = "query"
COMMAND = "command"

TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request body too large",
    412: "Precondition failed",
    415: "Unsupported media type",
    429: "Too many requests",
}


class MediaNotFound(exceptions.NotFound):
    title = "Media not found"

    def __init__(self, hash_value):
        super().__init__(f"No media found with hash: {hash_value}")


class MediaDeleted(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    title = "Media deleted"

    def __init__(self, hash_value):
        super().__init__(
            f"Media {hash_value} is soft-deleted (its deleted_at is set); the pipeline "
            "ignores it and the service does not change it."
        )


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    title = "Request body too large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    title = "Precondition failed"

    def __init__(self, hash_value, current_etag):
        super().__init__(
            f"Media {hash_value} has changed since it was read (its ETag is now {current_etag}); "
            "read it again and retry."
        )


def _messages(detail):
    """Flatten DRF's nested error detail into its sentences.

    The PATCH serializer's messages name their field, so they read alone; the
    per-field mapping is kept beside them under `details`.
    """
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def _title(exc, default):
    if isinstance(exc, exceptions.ValidationError) and "hash_mismatch" in str(exc.get_codes()):
        return "Hash mismatch"
    return getattr(exc, "title", None) or TITLES.get(exc.status_code, default)


def exception_handler(exc, context):
    view = context.get("view")
    error_format = getattr(view, "error_format", QUERY)

    if isinstance(exc, DatabaseError):
        return _database_error(exc, error_format)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        exc = RequestTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything else escaped a view: log it, answer 500 in the same shape.
        logger.exception("Unhandled error in %s", view.__class__.__name__ if view else "view")
        return _server_error(exc, error_format, "Internal server error")

    exc = _as_api_exception(exc)
    title = _title(exc, response.status_text)
    if error_format == COMMAND:
        messages = _messages(exc.detail)
        body = {"success": False, "error": title, "message": " ".join(messages)}
        if isinstance(exc.detail, dict):
            body["details"] = exc.detail
    else:
        details = exc.detail
        body = {"error": title, "details": details}
    response.data = body
    return response


def _as_api_exception(exc):
    # drf_exception_handler turns Http404 / PermissionDenied into DRF's own.
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _database_error(exc, error_format):
    if isinstance(exc.__cause__, QueryCanceled):
        # statement_timeout cut the query: the worker is free again; say so.
        logger.warning("Query cancelled by statement_timeout: %s", exc)
        message = (
            "The database did not answer within the time limit; narrow the request "
            "or try again later."
        )
        body = (
            {"success": False, "error": "Query timeout", "message": message}
            if error_format == COMMAND
            else {"error": "Query timeout", "details": message}
        )
        body["request_id"] = get_guid()
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    logger.error("Database error (request %s): %s", get_guid(), exc, exc_info=exc)
    title = "Database error" if error_format == COMMAND else "Database error occurred"
    return _server_error(exc, error_format, title)


def _server_error(exc, error_format, title):
    request_id = get_guid()
    if settings.DEBUG:
        text = f"{exc.__class__.__name__}: {exc}"
    else:
        text = (
            "The request could not be completed; "
            f"the log has the details under request id {request_id}."
        )
    if error_format == COMMAND:
        body = {"success": False, "error": title, "message": text}
    else:
        body = {"error": title, "details": text}
    body["request_id"] = request_id
    return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def bad_request(request, exception=None):
    """handler400: a disallowed Host header or other suspicious request, in JSON."""
    return JsonResponse({"error": "Invalid request", "details": "Bad request."}, status=400)


def forbidden(request, exception=None):
    """handler403: a refusal outside DRF's views (CSRF on a plain view), in JSON."""
    return JsonResponse({"error": "Permission denied", "details": "Forbidden."}, status=403)


def not_found(request, exception=None):
    """handler404: an unknown path answers JSON, never Django's HTML page."""
    return JsonResponse(
        {"error": "Not found", "details": f"No endpoint at {request.path}"}, status=404
    )


def server_error(request):
    """handler500: a crash outside DRF's views answers JSON with the request id."""
    request_id = get_guid()
    return JsonResponse(
        {
            "error": "Internal server error",
            "details": f"The log has the details under request id {request_id}.",
            "request_id": request_id,
        },
        status=500,
    )
