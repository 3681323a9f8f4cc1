"""Who may read and who may write.

DRF turns a refusal into 401 (with WWW-Authenticate) when the request carried
no valid credentials, and into 403 when the user is known but lacks the right.
"""

from django.conf import settings
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
