"""DRF's token authentication, refusing keys that cannot be tokens before any query."""

import re

from rest_framework import authentication, exceptions

# rest_framework.authtoken keys: 40 hexadecimal characters (Token.generate_key).
TOKEN_KEY = re.compile(r"\A[0-9a-f]{40}\Z")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        # A NUL byte would reach PostgreSQL and fail as a 500; any malformed
        # key is simply an invalid token.
        if not TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
