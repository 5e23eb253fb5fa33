"""The per-connection request budget, shared by every worker through the database.

A token bucket whose tokens come back one rate period after they were spent: at most
`limit` requests are sent in any window of `period` seconds, however the workers
interleave. The bucket row is locked while a token is taken.
"""

import time

from django.db import transaction

from integrations import conf
from integrations.models import Connection, RateWindow


def take(connection: Connection, now: float | None = None) -> float:
    """Spend one token: 0.0 when the request may go now, else the seconds to wait."""
    limit, period = connection.budget
    window = period + float(conf.get("SYNC_RATE_MARGIN"))
    with transaction.atomic():
        bucket, _ = RateWindow.objects.get_or_create(connection=connection)
        bucket = RateWindow.objects.select_for_update().get(pk=bucket.pk)
        now = time.time() if now is None else now
        stamps = [s for s in bucket.stamps if s > now - window]
        if len(stamps) >= limit:
            return max(0.001, stamps[-limit] + window - now)
        stamps.append(now)
        bucket.stamps = stamps
        bucket.save(update_fields=["stamps"])
    return 0.0
