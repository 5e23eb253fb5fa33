"""Connection secrets at rest: Fernet tokens under the key ring in
settings.CREDENTIAL_KEYS (newest first). The newest key encrypts; every key
decrypts, so keys can be rotated (`manage.py rotate_credentials`)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError

UNREADABLE = "The stored secret cannot be read with any key in CREDENTIAL_KEYS."

# The columns that hold tokens of this ring, by model label ("app.Model"): each app
# registers its own in AppConfig.ready(), so the start-up check and
# `rotate_credentials` cover them all.
ENCRYPTED_FIELDS: dict[str, tuple[str, ...]] = {}


def register_encrypted(model_label: str, *fields: str) -> None:
    ENCRYPTED_FIELDS[model_label] = fields


@lru_cache(maxsize=8)
def _ring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def keyring() -> MultiFernet:
    return _ring(tuple(settings.CREDENTIAL_KEYS))


def encrypt(value: str) -> str:
    return keyring().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    """The plain text of `token`; ValidationError when no key opens it."""
    if not token:
        return ""
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValidationError(UNREADABLE) from None


def readable(token: str) -> bool:
    try:
        decrypt(token)
    except ValidationError:
        return False
    return True


def reencrypt(token: str) -> str:
    """`token` encrypted with the newest key (InvalidToken when no key opens it)."""
    return keyring().rotate(token.encode()).decode() if token else ""
