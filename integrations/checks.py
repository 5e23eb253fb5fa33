"""Start-up check: every stored connection secret opens with a key in
CREDENTIAL_KEYS (run by `migrate` and `manage.py check --database default`)."""

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from integrations.crypto import readable


@register(Tags.database)
def credentials_readable(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not databases or "default" not in databases:
        return []
    from integrations.models import Connection

    try:
        rows = list(
            Connection.objects.values_list(
                "pk", "credentials_encrypted", "webhook_secret_encrypted"
            )
        )
    except DatabaseError:  # not migrated yet: nothing stored to read
        return []
    unreadable = [
        pk for pk, *tokens in rows if not all(readable(token) for token in tokens)
    ]
    if not unreadable:
        return []
    return [
        Error(
            f"{len(unreadable)} connection(s) hold secrets that no key in "
            f"CREDENTIAL_KEYS can decrypt (connection ids: "
            f"{', '.join(map(str, unreadable[:20]))}).",
            hint="Put the key they were encrypted with back into CREDENTIAL_KEYS "
            "(newest first; SYNC_ENCRYPTION_KEY and the key derived from SECRET_KEY "
            "are tried last), then run `manage.py rotate_credentials`.",
            id="integrations.E001",
        )
    ]


def require_readable_credentials() -> None:
    """Refuse to start a web or worker process (helpdesk.wsgi, helpdesk.celery)
    while a stored secret cannot be decrypted: ImproperlyConfigured naming
    CREDENTIAL_KEYS, rather than failing later on every sync and webhook."""
    errors = credentials_readable(databases=["default"])
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
