"""Reading settings from environment variables: each reader returns the default
for an unset or empty variable and stops start-up (ImproperlyConfigured) with a
message naming the variable for a bad value. Used by helpdesk/settings.py only."""

import base64
import hashlib
import json
import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from helpdesk.lib.rates import parse_rate


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, got {raw!r}"
        ) from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_json(name: str, default: dict) -> dict:
    """A JSON object from the environment (ImproperlyConfigured when it is not)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return dict(default)
    try:
        value = json.loads(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a JSON object") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return value


def credential_keys(keys: list[str], legacy_key: str, secret_key: str) -> list[str]:
    """The key ring, newest first, each key checked: a bad one stops start-up."""
    derived = hashlib.sha256(b"helpdesk.integrations:" + secret_key.encode())
    ring = [(key, "CREDENTIAL_KEYS") for key in keys]
    if legacy_key:
        ring.append((legacy_key, "SYNC_ENCRYPTION_KEY"))
    ring.append((base64.urlsafe_b64encode(derived.digest()).decode(), "SECRET_KEY"))
    for position, (key, name) in enumerate(ring, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a Fernet key (32 url-safe base64 "
                "bytes; python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())' makes one)"
            ) from None
    return list(dict.fromkeys(key for key, _name in ring))


def env_rate(name: str, default: str, *, may_be_off: bool = False) -> str:
    """A rate such as "600/min"; "" when `may_be_off` and set to off, 0 or none."""
    raw = (os.environ.get(name) or default).strip()
    if may_be_off and raw.lower() in {"off", "0", "none"}:
        return ""
    try:
        parse_rate(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return raw


# Attachments: the types allowed by default, as sniffed from the bytes (never HTML
# or SVG), and the default scan hook (accepts everything).
_OFFICE = "application/vnd.openxmlformats-officedocument."
ATTACHMENT_TYPES = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "application/zip",
    f"{_OFFICE}wordprocessingml.document",
    f"{_OFFICE}spreadsheetml.sheet",
]
ACCEPT_ALL_SCANNER = "tickets.attachments.accept_all"


def env_storage(prefix: str) -> dict:
    """A STORAGES entry: an S3-compatible bucket (django-storages, private objects,
    never overwritten) when `<prefix>BUCKET` is set, with `<prefix>ENDPOINT_URL`,
    `REGION`, `ACCESS_KEY_ID` and `SECRET_ACCESS_KEY` (else the AWS defaults);
    otherwise files under MEDIA_ROOT."""
    if not os.environ.get(f"{prefix}BUCKET"):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    names = {
        "bucket_name": "BUCKET",
        "endpoint_url": "ENDPOINT_URL",
        "region_name": "REGION",
        "access_key": "ACCESS_KEY_ID",
        "secret_key": "SECRET_ACCESS_KEY",
    }
    options = {key: os.environ.get(prefix + var) or None for key, var in names.items()}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**options, "default_acl": "private", "file_overwrite": False},
    }
