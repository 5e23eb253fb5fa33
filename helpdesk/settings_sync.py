"""External sync settings (integrations), read from the environment; imported by
helpdesk.settings so the main module stays a readable size."""

from django.core.exceptions import ImproperlyConfigured

from helpdesk.lib.env import env_float, env_int

# Outbound requests: connect and read timeouts in seconds.
SYNC_HTTP_TIMEOUT = (
    env_float("SYNC_CONNECT_TIMEOUT", 5.0),
    env_float("SYNC_READ_TIMEOUT", 30.0),
)
# Retries: exponential backoff with jitter, capped; then the op fails for good
# (about 2.5 hours of retries with the defaults).
SYNC_BACKOFF_BASE = env_float("SYNC_BACKOFF_BASE", 2.0)
SYNC_BACKOFF_MAX = env_float("SYNC_BACKOFF_MAX", 600.0)
SYNC_MAX_ATTEMPTS = env_int("SYNC_MAX_ATTEMPTS", 20)
# A drain holds a ticket's queue this long at most (a crashed worker frees it).
SYNC_LEASE_SECONDS = env_int("SYNC_LEASE_SECONDS", 120)
# Added to every rate window so clock jitter never lets one request too many in.
SYNC_RATE_MARGIN = env_float("SYNC_RATE_MARGIN", 0.05)
# Threads of one drain: each takes whole tickets' queues, so their requests' waits
# overlap (the rate budget is shared and atomic; 1: no threads).
SYNC_DRAIN_THREADS = env_int("SYNC_DRAIN_THREADS", 4)
# Zendesk signs a timestamp; older (or newer) than this many seconds is refused.
SYNC_WEBHOOK_TOLERANCE = env_int("SYNC_WEBHOOK_TOLERANCE", 300)
# The pull's share of each account-wide budget (the push queue keeps a reserve).
SYNC_PULL_SHARE = env_float("SYNC_PULL_SHARE", 0.5)
# A pull waits this long at most for its budget, then stops and resumes next run.
SYNC_PULL_MAX_WAIT = env_float("SYNC_PULL_MAX_WAIT", 30.0)
# How far back a connection's first pull looks (a connection may say otherwise).
SYNC_FIRST_PULL_HOURS = env_int("SYNC_FIRST_PULL_HOURS", 24)
# How long a ticket waiting on the contact stays snoozed on Kustomer (a customer
# reply wakes it sooner); Kustomer needs a wake-up time to snooze.
SYNC_KUSTOMER_SNOOZE_DAYS = env_int("SYNC_KUSTOMER_SNOOZE_DAYS", 7)
for _name in (
    "SYNC_FIRST_PULL_HOURS",
    "SYNC_BACKOFF_BASE",
    "SYNC_BACKOFF_MAX",
    "SYNC_MAX_ATTEMPTS",
    "SYNC_LEASE_SECONDS",
    "SYNC_WEBHOOK_TOLERANCE",
    "SYNC_DRAIN_THREADS",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be more than 0")
if min(SYNC_HTTP_TIMEOUT) <= 0:
    raise ImproperlyConfigured("SYNC_CONNECT_TIMEOUT and SYNC_READ_TIMEOUT must be > 0")
if SYNC_RATE_MARGIN < 0 or SYNC_PULL_MAX_WAIT < 0:
    raise ImproperlyConfigured("SYNC_RATE_MARGIN and SYNC_PULL_MAX_WAIT must be >= 0")
if not 0 < SYNC_PULL_SHARE < 1:
    raise ImproperlyConfigured("SYNC_PULL_SHARE must be between 0 and 1")
