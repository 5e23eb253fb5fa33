"""Sync settings, each with a default; tests override them with `settings`."""

import base64
import hashlib
import os

from django.conf import settings

DEFAULTS = {
    # Outbound requests: (connect, read) timeouts in seconds.
    "SYNC_HTTP_TIMEOUT": (5.0, 30.0),
    # Retries: exponential backoff with jitter, capped; then the op fails for good.
    "SYNC_BACKOFF_BASE": 2.0,
    "SYNC_BACKOFF_MAX": 600.0,
    "SYNC_MAX_ATTEMPTS": 20,  # about 2.5 hours of retries with the defaults
    # A drain holds a ticket's queue this long at most (a crashed worker frees it).
    "SYNC_LEASE_SECONDS": 120,
    # Added to every rate window so clock jitter never lets one request too many in.
    "SYNC_RATE_MARGIN": 0.05,
    # Zendesk signs a timestamp; older (or newer) than this is refused.
    "SYNC_WEBHOOK_TOLERANCE": 300,
    # TEST ONLY: let connections point at http://127.0.0.1 fakes.
    "SYNC_ALLOW_LOCAL_URLS": False,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def encryption_key() -> bytes:
    """The Fernet key: SYNC_ENCRYPTION_KEY (setting or env), else one derived from
    SECRET_KEY so a fresh install works without extra configuration."""
    key = getattr(settings, "SYNC_ENCRYPTION_KEY", None) or os.environ.get(
        "SYNC_ENCRYPTION_KEY"
    )
    if key:
        return key.encode() if isinstance(key, str) else key
    digest = hashlib.sha256(b"helpdesk.integrations:" + settings.SECRET_KEY.encode())
    return base64.urlsafe_b64encode(digest.digest())
