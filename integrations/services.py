"""Writes to connections: one function each, validated, one transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.models import Workspace
from integrations import registry
from integrations.base import SyncError
from integrations.models import Connection

PLAIN_FIELDS = (
    "platform",
    "name",
    "subdomain",
    "base_url",
    "enabled",
    "push_enabled",
    "pull_enabled",
    "rate_limit",
    "rate_period",
)


def connection_save(
    *,
    workspace: Workspace,
    values: dict[str, Any],
    connection: Connection | None = None,
) -> Connection:
    """Create or change a connection. `credentials` (a dict) replaces the stored
    ones; `webhook_secret` sets the secret the platform signs with."""
    connection = connection or Connection(workspace=workspace)
    if connection.workspace_id != workspace.pk:
        raise ValidationError({"connection": ["Not a connection of this workspace."]})
    for name in PLAIN_FIELDS:
        if name in values:
            setattr(connection, name, values[name])
    if "subdomain" in values:
        connection.subdomain = (values["subdomain"] or "").strip().lower()
    credentials = values.get("credentials")
    if credentials is not None:
        required = registry.platforms().get(connection.platform)
        missing = [
            key
            for key in (required.credentials if required else ())
            if not credentials.get(key) and not credentials.get("oauth_token")
        ]
        if missing:
            raise ValidationError({"credentials": [f"Missing {', '.join(missing)}."]})
        connection.set_credentials(dict(credentials))
    elif connection.pk is None:
        raise ValidationError({"credentials": ["Give the platform credentials."]})
    if values.get("webhook_secret"):
        connection.set_webhook_secret(values["webhook_secret"])
    connection.full_clean(exclude=["workspace"])
    with transaction.atomic():
        connection.save()
    return connection


def connection_test(connection: Connection) -> tuple[bool, str]:
    """One harmless request with the stored credentials: (worked, message)."""
    try:
        return True, registry.adapter_for(connection).test_connection()
    except SyncError as exc:
        return False, exc.message
    except ValidationError as exc:
        return False, "; ".join(exc.messages)
