"""drf-spectacular customisation: the schema class and a preprocessing hook.

https://drf-spectacular.readthedocs.io/en/latest/customization.html
"""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS


class MediaAutoSchema(AutoSchema):
    """Document credentials as optional where media.permissions.MediaAccess lets anyone in
    (never on the views it keeps `authenticated_only`).

    drf-spectacular adds the empty requirement `{}` only for AllowAny-like
    permission classes it knows; reads here are open unless READ_AUTH_REQUIRED.
    """

    def get_auth(self):
        auths = super().get_auth()
        if getattr(self.view, "authenticated_only", False):  # the histories, in every mode
            return auths
        anonymous_ok = settings.AUTH_DISABLED or (
            self.method in SAFE_METHODS and not settings.READ_AUTH_REQUIRED
        )
        if anonymous_ok and {} not in auths:
            auths.append({})
        return auths


def contract_paths(endpoints):
    """Document each path as the contract spells it, without the trailing slash.

    The routes accept both spellings (regex `/?`), which drf-spectacular would
    render as a trailing slash.
    """
    return [
        (path.rstrip("/") if path != "/" else path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
    ]
