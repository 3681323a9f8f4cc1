"""Write throttling: per user (per IP when AUTH_DISABLED lets anonymous writes in)."""

from rest_framework.throttling import UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    scope = "write"
