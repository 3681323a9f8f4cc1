"""Throttling: writes per user (per IP when AUTH_DISABLED lets anonymous writes in), failed
token authentications per client address, and the address failed logins count by."""

from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle


def client_address(request) -> str:
    """The client's address as every throttle counts it (DRF's NUM_PROXIES: TRUSTED_PROXIES);
    django-axes' AXES_CLIENT_IP_CALLABLE, so failed logins count by the same address."""
    return BaseThrottle().get_ident(request)


class WriteRateThrottle(UserRateThrottle):
    scope = "write"


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """Failed token authentications per client address (the address as the other throttles see
    it, TRUSTED_PROXIES included), in the default cache like them.

    DRF throttles after it authenticates, so a bad token is a 401 that no throttle
    counts, and each is a database lookup: media.authentication counts failures
    here, and refuses an address over the rate before it looks a token up.
    https://www.django-rest-framework.org/api-guide/throttling/#custom-throttles
    """

    scope = "auth_failure"
    counting = False

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def check(self, request) -> None:
        """Raise Throttled (429 with Retry-After) when the address has failed as often as its
        rate allows; count nothing."""
        self.counting = False
        if not self.allow_request(request, None):
            raise Throttled(self.wait())

    def count(self, request) -> None:
        """Count one failure of the address."""
        self.counting = True
        self.allow_request(request, None)

    def throttle_success(self):
        # allow_request's bookkeeping, with the failure recorded only when counting.
        return super().throttle_success() if self.counting else True
