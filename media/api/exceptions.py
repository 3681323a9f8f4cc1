"""One exception handler for every error the API answers.

Two body shapes, both from the contract, each built by the serializer that
documents it (media.api.serializers):
- reads (ErrorShape.READ):        {"error": <title>, "details": <messages>}
- commands (ErrorShape.COMMAND):  {"success": false, "error": <title>, "message": <sentence>}
A view picks the shape with its `error_shape` attribute (a write action sets it
through @action's initkwargs). Database failures are logged with the request
id; the body carries the id and, unless DEBUG is on, nothing of the error.
https://www.django-rest-framework.org/api-guide/exceptions/#custom-exception-handling
"""

import logging
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django_guid import get_guid
from psycopg.errors import QueryCanceled
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from media.api.serializers import HASH_MISMATCH, CommandErrorSerializer, ErrorSerializer
from media.errors import InvalidRequest, MediaError, QueryTimeout

logger = logging.getLogger(__name__)


class ErrorShape(StrEnum):
    READ = "read"
    COMMAND = "command"


# Titles of DRF's own exceptions, by status; the domain's (media.errors) carry a `title`.
TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    415: "Unsupported media type",
    429: "Too many requests",
}
# Validation codes that name their own title (the serializer raising them says why).
CODE_TITLES = {HASH_MISMATCH: "Hash mismatch"}


class RequestTooLarge(exceptions.APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses to read."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    title = "Request body too large"


class DomainError(exceptions.APIException):
    """A refusal of the domain (media.errors) as DRF answers it: its status and message, and
    its title, `details` and `results` for the body."""

    def __init__(self, error: MediaError):
        super().__init__(error.message)
        self.status_code = error.status_code
        self.title = error.title
        self.details = error.details
        self.results = getattr(error, "results", None)


def _from_domain(error: MediaError) -> exceptions.APIException:
    """A domain error as the API answers it; an invalid request as DRF's ValidationError."""
    if isinstance(error, InvalidRequest):
        return exceptions.ValidationError(error.details)
    return DomainError(error)


def error_body(shape, title, text, *, details=None, request_id=None, results=None) -> dict:
    """The body of an error in `shape`; `details`, `request_id` and `results` only when given."""
    if shape == ErrorShape.COMMAND:
        body = {
            "success": False,
            "error": title,
            "message": text,
            "details": details,
            "results": results,
        }
        serializer = CommandErrorSerializer
    else:
        body = {"error": title, "details": text if details is None else details}
        serializer = ErrorSerializer
    body["request_id"] = request_id
    return serializer({k: v for k, v in body.items() if v is not None}).data


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


def _string_keys(detail):
    """JSON object keys are strings: a list's errors are keyed by item index (`hashes.3`)."""
    if isinstance(detail, dict):
        return {str(key): _string_keys(value) for key, value in detail.items()}
    return detail


def _codes(codes):
    if isinstance(codes, dict):
        return {code for value in codes.values() for code in _codes(value)}
    if isinstance(codes, list):
        return {code for item in codes for code in _codes(item)}
    return {codes}


def _title(exc, default):
    if isinstance(exc, exceptions.ValidationError):
        titled = _codes(exc.get_codes()) & CODE_TITLES.keys()
        if titled:
            return CODE_TITLES[min(titled)]
    return getattr(exc, "title", None) or TITLES.get(exc.status_code, default)


def exception_handler(exc, context):
    view = context.get("view")
    shape = getattr(view, "error_shape", ErrorShape.READ)

    if isinstance(exc, DatabaseError):
        return _database_error(exc, shape)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        exc = RequestTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    elif isinstance(exc, MediaError):
        exc = _from_domain(exc)

    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything else escaped a view: log it, answer 500 in the same shape.
        logger.exception("Unhandled error in %s", view.__class__.__name__ if view else "view")
        return _server_error(exc, shape, "Internal server error")

    exc = _as_api_exception(exc)
    title = _title(exc, response.status_text)
    if shape == ErrorShape.COMMAND:
        details = exc.detail if isinstance(exc.detail, dict) else getattr(exc, "details", None)
        response.data = error_body(
            shape,
            title,
            " ".join(_messages(exc.detail)),
            details=_string_keys(details),
            results=getattr(exc, "results", None),
        )
    else:
        response.data = error_body(shape, title, exc.detail, details=getattr(exc, "details", None))
    return response


def _as_api_exception(exc):
    # drf_exception_handler turns Http404 / PermissionDenied into DRF's own.
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _database_error(exc, shape):
    if isinstance(exc.__cause__, QueryCanceled):
        # statement_timeout cut the query: the worker is free again; say so.
        logger.warning("Query cancelled by statement_timeout: %s", exc)
        timeout = QueryTimeout(
            "The database did not answer within the time limit; narrow the request "
            "or try again later."
        )
        body = error_body(shape, timeout.title, timeout.message, request_id=get_guid())
        return Response(body, status=timeout.status_code)
    logger.error("Database error (request %s): %s", get_guid(), exc, exc_info=exc)
    title = "Database error" if shape == ErrorShape.COMMAND else "Database error occurred"
    return _server_error(exc, shape, title)


def _server_error(exc, shape, title):
    request_id = get_guid()
    if settings.DEBUG:
        text = f"{exc.__class__.__name__}: {exc}"
    else:
        text = (
            "The request could not be completed; "
            f"the log has the details under request id {request_id}."
        )
    body = error_body(shape, title, text, request_id=request_id)
    return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login it locked out (AXES_LOCKOUT_CALLABLE): 429 with
    Retry-After, in JSON like every other error outside DRF's views."""
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    text = (
        "Too many failed logins from this address or for this username; "
        f"try again in {wait} seconds."
    )
    response = JsonResponse(error_body(ErrorShape.READ, TITLES[429], text), status=429)
    response["Retry-After"] = str(wait)
    return response


def bad_request(request, exception=None):
    """handler400: a disallowed Host header or other suspicious request, in JSON."""
    return JsonResponse(error_body(ErrorShape.READ, TITLES[400], "Bad request."), status=400)


def forbidden(request, exception=None):
    """handler403: a refusal outside DRF's views (CSRF on a plain view), in JSON."""
    return JsonResponse(error_body(ErrorShape.READ, TITLES[403], "Forbidden."), status=403)


def not_found(request, exception=None):
    """handler404: an unknown path answers JSON, never Django's HTML page."""
    body = error_body(ErrorShape.READ, "Not found", f"No endpoint at {request.path}")
    return JsonResponse(body, status=404)


def server_error(request):
    """handler500: a crash outside DRF's views answers JSON with the request id."""
    request_id = get_guid()
    text = f"The log has the details under request id {request_id}."
    body = error_body(ErrorShape.READ, "Internal server error", text, request_id=request_id)
    return JsonResponse(body, status=500)
