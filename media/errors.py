"""What the domain refuses: plain exceptions, each with its status, its title and its details.

Each kind names its HTTP status and its title in its class line, as keywords:
what the contract answers for it reads in one place. The HTTP layer
(media.api.exceptions) answers them in the body shape of the endpoint that
raised them; the management commands print them.
"""

from http import HTTPStatus


class MediaError(Exception):
    """A refusal: a title for the body, a message, and optional `details` beside the message."""

    status_code = int(HTTPStatus.INTERNAL_SERVER_ERROR)
    title = "Error"

    def __init_subclass__(cls, *, status_code: int, title: str, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.status_code = int(status_code)
        cls.title = title

    def __init__(self, message, *, details=None):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(MediaError, status_code=HTTPStatus.BAD_REQUEST, title="Invalid request"):
    """A query or body the domain validated and refused: `details` maps each parameter (or
    field) to its messages, as a form's errors do."""

    def __init__(self, details: dict):
        super().__init__("Invalid request", details=details)


def form_messages(errors) -> dict[str, list[str]]:
    """A Django form's errors as {field: [message, ...]}, each message with its parameters."""
    return {
        field: [error.message % (error.params or ()) for error in field_errors]
        for field, field_errors in errors.as_data().items()
    }


class MediaNotFound(MediaError, status_code=HTTPStatus.NOT_FOUND, title="Media not found"):
    def __init__(self, hash_value):
        super().__init__(f"No media found with hash: {hash_value}")


class MediaDeleted(MediaError, status_code=HTTPStatus.CONFLICT, title="Media deleted"):
    def __init__(self, hash_value):
        super().__init__(
            f"Media {hash_value} is soft-deleted (its deleted_at is set); the pipeline "
            "ignores it and the service does not change it."
        )


class PreconditionFailed(
    MediaError, status_code=HTTPStatus.PRECONDITION_FAILED, title="Precondition failed"
):
    def __init__(self, hash_value, current_version):
        super().__init__(
            f"Media {hash_value} has changed since it was read (its version is now "
            f"{current_version}); read it again and retry."
        )


class InvalidTransition(MediaError, status_code=HTTPStatus.CONFLICT, title="Invalid transition"):
    """The row's state does not allow the action; `details` say what it is and what is needed."""

    def __init__(self, hash_value, *, details):
        super().__init__(
            f"{details['action']} is not allowed on media {hash_value}: it needs "
            f"{details['needs']}. Nothing was changed.",
            details=details,
        )


class NotSupported(
    MediaError, status_code=HTTPStatus.CONFLICT, title="Not supported by this table"
):
    """The live table lacks what the action needs: a column, or a label of one of its enums."""


class CountChanged(MediaError, status_code=HTTPStatus.CONFLICT, title="Count changed"):
    def __init__(self, *, expected, found):
        super().__init__(
            f"The filter matches {found} rows now, not the {expected} expected; nothing was "
            "changed. Count again and resend.",
            details={"expected_count": expected, "count": found},
        )


class TooManyRows(MediaError, status_code=HTTPStatus.BAD_REQUEST, title="Invalid request"):
    """A bulk filter that matches more rows than one batch may change."""


class BatchRefused(MediaError, status_code=HTTPStatus.CONFLICT, title="Batch refused"):
    """A bulk request of which some rows refused: nothing was written; one result per row."""

    def __init__(self, results):
        refused = sum(1 for result in results if result["status"] != 200)
        super().__init__(
            f"{refused} of {len(results)} rows refused the action; nothing was changed. "
            "See each row's result."
        )
        self.results = results


class QueryTimeout(MediaError, status_code=HTTPStatus.SERVICE_UNAVAILABLE, title="Query timeout"):
    """statement_timeout cancelled the query; the request may succeed later or narrower."""
