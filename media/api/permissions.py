"""Who may read and who may write.

DRF turns a refusal into 401 (with WWW-Authenticate) when the request carried
no valid credentials, and into 403 when the user is known but lacks the right.
"""

from django.conf import settings
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

CHANGE_REJECTION_STATUS = "media.change_rejection_status"
# The operator actions, the bulk and the console's routes.
CHANGE_PIPELINE_STATUS = "media.change_pipeline_status"


class MediaAccess(BasePermission):
    """Reads: open unless READ_AUTH_REQUIRED. Writes: the view's `write_permission`.

    A write action names its permission through @action's initkwargs (default
    media.change_rejection_status). AUTH_DISABLED opens everything, as the
    earlier service was, except what a view marks `authenticated_only`: the
    histories, which name operators and carry their notes, need a user in
    every mode (the earlier service had none to open).
    """

    def has_permission(self, request, view):
        if request.method not in view.allowed_methods:
            # A method the endpoint does not have is a 405, for anyone.
            return True
        if getattr(view, "authenticated_only", False):
            return request.user.is_authenticated
        if settings.AUTH_DISABLED:
            return True
        if request.method in SAFE_METHODS:
            return not settings.READ_AUTH_REQUIRED or request.user.is_authenticated
        return request.user.has_perm(getattr(view, "write_permission", CHANGE_REJECTION_STATUS))


class TrustedOrigin(BasePermission):
    """Writes from a web page only from this service's own origin or CORS_ALLOWED_ORIGINS.

    Browsers send `Origin` with every write (older ones only `Sec-Fetch-Site`), so a
    page on another site cannot use an operator's browser to write: that matters with
    AUTH_DISABLED, where nothing else would stop it. Clients that are not browsers send
    neither header and pass. A refusal is a 403 whatever the credentials.
    """

    message = (
        "A write from a web page of another origin is refused: only this service's own "
        "origin and CORS_ALLOWED_ORIGINS may write."
    )

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or request.method not in view.allowed_methods:
            return True
        origin = request.headers.get("Origin")
        if origin is None:
            trusted = request.headers.get("Sec-Fetch-Site") not in ("cross-site", "same-site")
        else:
            own = f"{request.scheme}://{request.get_host()}"
            trusted = origin == own or origin in settings.CORS_ALLOWED_ORIGINS
        if not trusted:
            # Raised, not returned: DRF would answer an anonymous caller 401.
            raise PermissionDenied(self.message)
        return True
