"""The throttles: unauthenticated requests per address, writes per user (per address when
AUTH_DISABLED lets anonymous writes in), counted in the default cache for every process;
failed token authentications per address; and the address failed logins count by. Every
refusal is counted by scope (media.metrics).

DRF's SimpleRateThrottle keeps the time of every request in the window and
writes the whole list back on each request: O(rate) bytes per request, fine in
one process's memory, too slow in a cache that every worker shares. These keep
one counter per client and window instead (the previous window's count weighs
in by how much of it the last `duration` seconds still cover: a sliding
window, so a burst across a window's edge still meets the rate), and a process
takes requests from that counter in leases: one atomic incr lets it serve up
to 1/LEASE_SHARE of what the client has left without asking again. A client far
from its limit costs one shared write per lease; near it, leases shrink to one
request, so the rate is never exceeded. Lease slots a process holds but does
not use count as used until the window ends.
https://www.django-rest-framework.org/api-guide/throttling/#custom-throttles
"""

import logging
import math
import sqlite3
import threading
from dataclasses import dataclass

from rest_framework.exceptions import Throttled
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from media.metrics import THROTTLED

logger = logging.getLogger(__name__)

LEASE_SHARE = 32  # a lease takes at most this fraction of what a client has left...
MAX_LEASE = 256  # ...and at most this many requests
MAX_CLIENTS = 10_000  # leases a process keeps before it drops those of ended windows


@dataclass
class Lease:
    window: int
    left: int  # requests this process may still let through in `window`
    seen: int  # the shared count when this process last asked


class CountingThrottle:
    """allow_request and wait for a DRF SimpleRateThrottle, from leased per-window counters."""

    leases: dict[str, Lease] = {}  # this process's, by throttle key
    lock = threading.Lock()

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window, into = divmod(self.now, self.duration)
        self.window, self.into = int(window), into / self.duration
        with self.lock:
            lease = self.leases.get(self.key)
            if lease is not None and lease.window == self.window and lease.left > 0:
                lease.left -= 1
                return True
        try:
            return self._lease(lease)
        except sqlite3.Error:
            # The default cache's SQLite file failed this once (it reported a
            # transient "disk I/O error" a few times in 100,000s of requests
            # under load): a throttle that cannot count lets the request through.
            logger.warning("The throttle could not count this request.", exc_info=True)
            return True

    def _lease(self, lease: Lease | None) -> bool:
        current = f"{self.key}:{self.window}"
        self.previous = self.cache.get(f"{self.key}:{self.window - 1}", 0)
        allowed = math.floor(self.num_requests - self.previous * (1 - self.into))
        seen = lease.seen if lease is not None and lease.window == self.window else 0
        size = max(1, min(MAX_LEASE, (allowed - seen) // LEASE_SHARE))
        try:
            total = self.cache.incr(current, size)
        except ValueError:  # the window's first lease, unless another process adds it first
            # Two windows' worth: the next window still reads this one's count.
            added = self.cache.add(current, size, 2 * self.duration)
            total = size if added else self.cache.incr(current, size)
        granted = max(0, min(size, allowed - (total - size)))
        if granted < size:  # give back what the limit does not allow
            self.cache.decr(current, size - granted)
        self._keep(Lease(self.window, max(granted - 1, 0), total - size + granted))
        # For wait(): what counts against the next request.
        self.count = total - size + 1
        return granted > 0 or self.throttle_failure()

    def _keep(self, lease: Lease) -> None:
        with self.lock:
            if len(self.leases) >= MAX_CLIENTS:
                for key in [k for k, v in self.leases.items() if v.window < self.window]:
                    del self.leases[key]
            self.leases[self.key] = lease

    def wait(self):
        """Seconds until the previous window's weight lets one more request in."""
        if self.count > self.num_requests or not self.previous:
            return self.duration * (1 - self.into)
        # The next request counts `count`: previous * (1 - into') + count <= num_requests.
        needed = 1 - (self.num_requests - self.count) / self.previous
        # Rounded first: 4.999999999 seconds of float arithmetic are 5.
        return max(math.ceil(round((needed - self.into) * self.duration, 6)), 1)


class CountedThrottle:
    """A DRF throttle whose refusals (429) rear_diff_throttled_requests_total counts."""

    def throttle_failure(self):
        # DRF's hook for a request over the rate.
        # https://www.django-rest-framework.org/api-guide/throttling/#custom-throttles
        THROTTLED.labels(self.scope).inc()
        return super().throttle_failure()


class AnonymousRateThrottle(CountedThrottle, CountingThrottle, AnonRateThrottle):
    """Unauthenticated requests per client address (THROTTLE_ANON_RATE)."""


class WriteRateThrottle(CountedThrottle, CountingThrottle, UserRateThrottle):
    """Writes per user (THROTTLE_WRITE_RATE)."""

    scope = "write"


def client_address(request) -> str:
    """The client's address as every throttle counts it (DRF's NUM_PROXIES: TRUSTED_PROXIES);
    django-axes' AXES_CLIENT_IP_CALLABLE, so failed logins count by the same address."""
    return BaseThrottle().get_ident(request)


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """Failed token authentications per client address (the address as the other throttles see
    it, TRUSTED_PROXIES included), in the default cache like them.

    DRF throttles after it authenticates, so a bad token is a 401 that no throttle
    counts, and each is a database lookup: media.api.authentication counts failures
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
            THROTTLED.labels(self.scope).inc()
            raise Throttled(self.wait())

    def count(self, request) -> None:
        """Count one failure of the address."""
        self.counting = True
        self.allow_request(request, None)

    def throttle_success(self):
        # allow_request's bookkeeping, with the failure recorded only when counting.
        return super().throttle_success() if self.counting else True
