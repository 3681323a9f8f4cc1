"""Token authentication: django-rest-knox, which stores only a digest of each key.

Keys are refused before any query unless they can be tokens: 64 hexadecimal
characters (knox's keys) or 40 (rest_framework.authtoken's, hashed into knox
by migration 0003 and still valid). Failures count per client address: over
THROTTLE_AUTH_FAILURE_RATE, the address's next attempts answer 429 unlooked-up.
"""

import re

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from media.api.throttling import FailedAuthenticationThrottle

TOKEN_KEY = re.compile(rb"\A(?:[0-9a-f]{64}|[0-9a-f]{40})\Z")


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate(self, request):
        if not get_authorization_header(request):
            return None  # no credentials: nothing to fail
        failures = FailedAuthenticationThrottle()
        failures.check(request)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            failures.count(request)
            raise

    def authenticate_credentials(self, token):
        # A NUL byte would reach PostgreSQL and fail as a 500, a byte that is
        # not UTF-8 would fail knox's decode; any malformed key is simply an
        # invalid token.
        if not TOKEN_KEY.fullmatch(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """OpenAPI: knox's `Authorization: Token <key>` scheme, under the name
    `tokenAuth` that the schema had with DRF's tokens (generated clients keep it)."""

    target_class = TokenAuthentication
    name = "tokenAuth"


def token_matches(*, username: str, key: str) -> bool:
    """Whether `key` authenticates as `username` now, exactly as a request's would."""
    try:
        user, _ = TokenAuthentication().authenticate_credentials(key.encode())
    except exceptions.AuthenticationFailed:
        return False
    return user.get_username() == username
