"""Settings of the worker, beat and web processes the live reliability tests start:
the project's own settings plus what only a test may switch on, from the environment."""

import os

from helpdesk.settings import *  # noqa: F403
from helpdesk.settings import CELERY_BEAT_SCHEDULE

# The fake platforms (tests/fakes/) listen on http://127.0.0.1.
SYNC_ALLOW_LOCAL_URLS = True
SYNC_LEASE_SECONDS = int(os.environ.get("SYNC_LEASE_SECONDS", "120"))
SYNC_BACKOFF_BASE = float(os.environ.get("SYNC_BACKOFF_BASE", "2"))
SYNC_BACKOFF_MAX = float(os.environ.get("SYNC_BACKOFF_MAX", "600"))
# Drain the outbox more often than every 10 s, so a test waits seconds, not minutes.
_drain = float(os.environ.get("OUTBOX_DRAIN_SECONDS", "10"))
CELERY_BEAT_SCHEDULE["integrations-drain-outbox"] = {
    "task": "integrations.tasks.drain_outbox",
    "schedule": _drain,
    "options": {"expires": 60},
}
