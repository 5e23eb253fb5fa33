"""Start-up check: every stored secret (connections, reply channels, mailboxes)
opens with a key in CREDENTIAL_KEYS (run by `migrate`, `manage.py check --database
default` and at web and worker start)."""

from django.apps import apps
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from integrations.crypto import ENCRYPTED_FIELDS, readable


def unreadable_rows() -> dict[str, list]:
    """Primary keys, by model label, of the rows holding a secret no key opens."""
    found = {}
    for label, fields in ENCRYPTED_FIELDS.items():
        rows = apps.get_model(label).objects.values_list("pk", *fields)
        bad = [pk for pk, *tokens in rows if not all(readable(t) for t in tokens)]
        if bad:
            found[label] = bad
    return found


@register(Tags.database)
def credentials_readable(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not databases or "default" not in databases:
        return []
    try:
        unreadable = unreadable_rows()
    except DatabaseError:  # not migrated yet: nothing stored to read
        return []
    if not unreadable:
        return []
    rows = "; ".join(
        f"{label} ids {', '.join(map(str, pks[:20]))}"
        for label, pks in unreadable.items()
    )
    count = sum(len(pks) for pks in unreadable.values())
    return [
        Error(
            f"{count} stored secret(s) cannot be decrypted by any key in "
            f"CREDENTIAL_KEYS ({rows}).",
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
