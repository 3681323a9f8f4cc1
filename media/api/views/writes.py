"""What the write views share: their routing options, who writes, and the 200 they answer."""

from django_guid import get_guid
from rest_framework.response import Response

from media.api.exceptions import ErrorShape
from media.api.permissions import CHANGE_PIPELINE_STATUS
from media.api.serializers import ActionDoneSerializer, ConsoleDoneSerializer
from media.api.throttling import AnonymousRateThrottle, WriteRateThrottle
from media.errors import MediaNotFound
from media.models import HASH_REGEX

# What every write through the operator actions shares: the command error
# shape, no list machinery, the write throttle, the operators' permission.
WRITE = {
    "error_shape": ErrorShape.COMMAND,
    "filterset_class": None,
    "pagination_class": None,
    "throttle_classes": [AnonymousRateThrottle, WriteRateThrottle],
    "write_permission": CHANGE_PIPELINE_STATUS,
}


def written(message, media, *, console=False):
    """The 200 of a write: the message, the row as now stored, and its new ETag."""
    body = {"message": message, "data": media.item}
    serializer = ConsoleDoneSerializer if console else ActionDoneSerializer
    if console:
        body["hash"] = media.item["hash"]
    return Response(serializer(body).data, headers={"ETag": media.etag})


def author(request) -> dict:
    """Who writes and through which request (its id as logged, and the service's own), as the
    services record it."""
    return {
        "changed_by": request.user,
        "request_id": get_guid() or "",
        "service_request_id": getattr(request, "service_request_id", ""),
    }


def one_row(request) -> dict:
    """A one-row write's author, and its If-Match header."""
    return {**author(request), "if_match": request.headers.get("If-Match")}


def path_hash(value: str) -> str:
    """A path's hash as stored (lowercase); a malformed one is absent (404), as for reads."""
    if not HASH_REGEX.fullmatch(value):
        raise MediaNotFound(value)
    return value.lower()
