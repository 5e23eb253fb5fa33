"""Per-token API rate limit (API_RATE_LIMIT, e.g. "600/min").

A fixed window per token, counted with one atomic cache increment per request
(Redis INCR when REDIS_URL is set). DRF's SimpleRateThrottle keeps a list of
timestamps that it reads, appends to and writes back: concurrent requests of one
token can read the same list and overwrite each other's entries, so part of a burst
goes uncounted. An increment cannot lose a count: of N concurrent requests exactly
`rate` pass (tests/api/test_throttling.py). The price of a fixed window is
that a client can spend one window's budget at its end and the next at the start
of the next; over any two windows it never gets more than twice the rate.

Only requests authenticated by an API token are counted; the browser's session
(the agent UI's own API calls) is not limited here. When the cache cannot be
reached the request is let through: a cache outage must not take the API down.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.authentication import TokenAuthentication
from rest_framework.throttling import BaseThrottle

from helpdesk.lib.rates import parse_rate

log = logging.getLogger(__name__)


class TokenRateThrottle(BaseThrottle):
    """At most API_RATE_LIMIT requests per token and window; 429 with Retry-After."""

    def __init__(self):
        self.retry_after: float | None = None

    def allow_request(self, request, view) -> bool:
        rate = settings.API_RATE_LIMIT
        if not rate or not isinstance(
            request.successful_authenticator, TokenAuthentication
        ):
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        # The token's hash, not the token, goes into the cache key.
        token = hashlib.sha256(request.auth.key.encode()).hexdigest()[:32]
        key = f"throttle:token:{token}:{period}:{window}"
        try:
            count = self._increment(key, timeout=period + 5)
        except (RedisError, OSError) as exc:
            log.warning("API rate limit not applied, cache unavailable: %s", exc)
            return True
        if count <= limit:
            return True
        self.retry_after = (window + 1) * period - now
        return False

    @staticmethod
    def _increment(key: str, *, timeout: int) -> int:
        for _ in range(3):
            cache.add(key, 0, timeout=timeout)
            try:
                return cache.incr(key)
            except ValueError:  # expired between add and incr: start it again
                continue
        return cache.incr(key)

    def wait(self) -> float | None:
        return self.retry_after
