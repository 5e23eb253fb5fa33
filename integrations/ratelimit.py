"""Request budgets, shared by every worker through the database, at a fixed cost.

Each platform declares its limits as data in its spec: the account-wide budget
(`PlatformSpec.rate_limit`, which a connection may override) and per-endpoint ones
(`PlatformSpec.rate_limits`, each an `EndpointLimit`). Every limit is a token bucket
row (RateBucket) of capacity C refilled at (requests - C + 1/2) / (per_seconds +
SYNC_RATE_MARGIN) a second, so however the workers interleave, at most `requests`
requests leave in any window of `per_seconds`: the C a full bucket holds plus what
refills meanwhile. Taking a token is one conditional UPDATE per bucket, whatever the
budget's size.

Push and pull share the account-wide bucket, but the pull only spends tokens above
a reserve (the push queue's share, 1 - SYNC_PULL_SHARE of the bucket), so a long pull
never starves the push queue.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual

from integrations import registry
from integrations.models import Connection, RateBucket
from integrations.registry import EndpointLimit

PUSH = "push"
PULL = "pull"
ACCOUNT = "account"


@dataclass(frozen=True)
class Bucket:
    """One token bucket: its row's group, its capacity and refill per second, and
    the tokens a request of this lane must leave in it."""

    group: str
    requests: int
    per_seconds: float
    reserve: int = 0

    @property
    def capacity(self) -> int:
        return max(1, self.requests // 2)

    @property
    def refill(self) -> float:
        window = self.per_seconds + float(settings.SYNC_RATE_MARGIN)
        # Requests in a window <= floor(capacity + refill * window) <= requests.
        return (self.requests - self.capacity + 0.5) / window

    def tokens(self, row: RateBucket | None, now: float) -> float:
        if row is None:
            return float(self.capacity)
        elapsed = max(0.0, now - row.stamp)
        return min(float(self.capacity), row.tokens + elapsed * self.refill)


def endpoint_limits(platform: str) -> tuple[EndpointLimit, ...]:
    return registry.get(platform).rate_limits


def buckets_for(
    connection: Connection, lane: str, method: str, path: str
) -> list[Bucket]:
    """The buckets one request spends from, in the order they are always taken."""
    requests, seconds = connection.budget
    account = Bucket(ACCOUNT, requests, seconds)
    if lane == PULL:
        share = float(settings.SYNC_PULL_SHARE)
        account = Bucket(
            ACCOUNT, requests, seconds, int(account.capacity * (1 - share))
        )
    found = [account]
    for limit in endpoint_limits(connection.platform):
        if limit.applies(method, path):
            found.append(Bucket(limit.group, limit.requests, limit.per_seconds))
    return found


def _level(bucket: Bucket, now: float):
    """The bucket's tokens at `now`, as an SQL expression over its row."""
    refilled = F("tokens") + Greatest(Value(now) - F("stamp"), Value(0.0)) * Value(
        bucket.refill
    )
    return Least(Value(float(bucket.capacity)), refilled)


def _take_one(connection: Connection, bucket: Bucket, now: float) -> float:
    """Spend one token of `bucket`: 0.0 if spent, else the seconds to wait."""
    rows = RateBucket.objects.filter(connection=connection, group=bucket.group)
    level = _level(bucket, now)
    need = 1.0 + bucket.reserve
    if rows.filter(GreaterThanOrEqual(level, need)).update(
        tokens=level - Value(1.0), stamp=now
    ):
        return 0.0
    row, created = RateBucket.objects.get_or_create(
        connection=connection,
        group=bucket.group,
        defaults={"tokens": float(bucket.capacity), "stamp": now},
    )
    if created:
        return _take_one(connection, bucket, now)
    # A millisecond more than the refill needs, so one wait is enough (the exact
    # quotient can fall a rounding error short, costing another read and wait);
    # another worker may have refilled it since the UPDATE: then just that.
    return max(0.0, (need - bucket.tokens(row, now)) / bucket.refill) + 0.001


def _give_back(connection: Connection, bucket: Bucket) -> None:
    RateBucket.objects.filter(connection=connection, group=bucket.group).update(
        tokens=Least(Value(float(bucket.capacity)), F("tokens") + Value(1.0))
    )


def take(
    connection: Connection,
    *,
    lane: str = PUSH,
    method: str = "GET",
    path: str = "",
    now: float | None = None,
) -> float:
    """Spend a token from every bucket the request needs: 0.0 when it may go now,
    else the seconds to wait (and nothing is spent)."""
    now = time.time() if now is None else now
    taken: list[Bucket] = []
    for bucket in buckets_for(connection, lane, method, path):
        wait = _take_one(connection, bucket, now)
        if wait:
            for spent in taken:
                _give_back(connection, spent)
            return wait
        taken.append(bucket)
    return 0.0


def usage(connections: list[Connection], now: float | None = None) -> dict:
    """Per connection, each bucket's share in use now (0 to 1), in one query."""
    now = time.time() if now is None else now
    rows = {
        (row.connection_id, row.group): row
        for row in RateBucket.objects.filter(connection__in=connections)
    }
    shown: dict[int, list[dict]] = {}
    for connection in connections:
        requests, seconds = connection.budget
        buckets = [Bucket(ACCOUNT, requests, seconds)] + [
            Bucket(limit.group, limit.requests, limit.per_seconds)
            for limit in endpoint_limits(connection.platform)
        ]
        shown[connection.pk] = [
            {
                "group": bucket.group,
                "requests": bucket.requests,
                "per_seconds": bucket.per_seconds,
                "in_use": round(
                    1
                    - bucket.tokens(rows.get((connection.pk, bucket.group)), now)
                    / bucket.capacity,
                    2,
                ),
            }
            for bucket in buckets
        ]
    return shown


def retry_after(response) -> float | None:
    """Seconds the platform asked us to wait: Retry-After (Zendesk, Gorgias) or
    x-ratelimit-reset (Kustomer), which may be seconds or a Unix time."""
    raw = response.headers.get("Retry-After") or response.headers.get(
        "x-ratelimit-reset"
    )
    try:
        value = float(raw or "")
    except ValueError:
        return None
    if value > 1e12:  # a Unix time in milliseconds
        value = value / 1000 - time.time()
    elif value > 1e9:  # a Unix time in seconds
        value -= time.time()
    return min(max(0.0, value), 86400.0)  # never NaN, never forever
