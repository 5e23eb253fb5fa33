"""The per-connection request budget, shared by every worker through the database.

A token bucket whose tokens come back one rate period after the request that spent
them has *finished*: at most `limit` requests reach the platform in any window of
`period` seconds, however the workers interleave and however slow the network is.
While a request is in flight its token is held until its worst-case end (the
timeouts), so a crashed worker errs on the safe side. The bucket row is locked while
a token is taken or given back.
"""

import time

from django.conf import settings
from django.db import transaction

from integrations.models import Connection, RateWindow


def _window(connection: Connection) -> float:
    return connection.budget[1] + float(settings.SYNC_RATE_MARGIN)


def _locked(connection: Connection) -> RateWindow:
    bucket, _ = RateWindow.objects.get_or_create(connection=connection)
    return RateWindow.objects.select_for_update().get(pk=bucket.pk)


def take(connection: Connection, now: float | None = None) -> tuple[float, float]:
    """Spend one token: (0.0, token) when the request may go now, else (seconds to
    wait, 0.0). Give the token back with `settle(connection, token)`."""
    limit = connection.budget[0]
    window = _window(connection)
    connect_timeout, read_timeout = settings.SYNC_HTTP_TIMEOUT
    with transaction.atomic():
        bucket = _locked(connection)
        now = time.time() if now is None else now
        stamps = sorted(s for s in bucket.stamps if s > now - window)
        if len(stamps) >= limit:
            return max(0.001, stamps[-limit] + window - now), 0.0
        token = now + connect_timeout + read_timeout  # until we know it has ended
        stamps.append(token)
        bucket.stamps = sorted(stamps)
        bucket.save(update_fields=["stamps"])
    return 0.0, token


def settle(connection: Connection, token: float, now: float | None = None) -> None:
    """The request holding `token` has ended: its token returns a window from now."""
    with transaction.atomic():
        bucket = _locked(connection)
        stamps = list(bucket.stamps)
        if token in stamps:
            stamps.remove(token)
            stamps.append(min(token, time.time() if now is None else now))
            bucket.stamps = sorted(stamps)
            bucket.save(update_fields=["stamps"])
