"""Writes to connections: one function each, validated, one transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.actors import Actor
from helpdesk.audit import stamp_history
from helpdesk.models import Workspace
from integrations import registry
from integrations.base import SyncError
from integrations.models import Connection, ExternalLink, SyncOp

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
    "first_pull_hours",
)


def connection_save(
    *,
    workspace: Workspace,
    actor: Actor | None,
    values: dict[str, Any],
    connection: Connection | None = None,
) -> Connection:
    """Create or change a connection. `credentials` (a dict) replaces the stored
    ones; `webhook_secret` sets the secret the platform signs with. The history row
    names `actor` and never holds a secret (Connection.HISTORY_EXCLUDED)."""
    connection = connection or Connection(workspace=workspace)
    if connection.workspace_id != workspace.pk:
        raise ValidationError({"connection": ["Not a connection of this workspace."]})
    for name in PLAIN_FIELDS:
        if name in values:
            setattr(connection, name, values[name])
    if "subdomain" in values:
        connection.subdomain = (values["subdomain"] or "").strip().lower()
    credentials = values.get("credentials")
    secrets_set = []  # named in the history row, which never holds their values
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
        secrets_set.append("credentials set")
    elif connection.pk is None:
        raise ValidationError({"credentials": ["Give the platform credentials."]})
    if values.get("webhook_secret"):
        connection.set_webhook_secret(values["webhook_secret"])
        secrets_set.append("webhook secret set")
    connection.full_clean(exclude=["workspace"])
    stamp_history(connection, actor, "; ".join(secrets_set))
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


def retry_link(link: ExternalLink) -> int:
    """Put a link's failed ops back in the queue (the "retry" button)."""
    with transaction.atomic():
        count = link.ops.filter(state=SyncOp.State.FAILED).update(
            state=SyncOp.State.PENDING, attempts=0, next_attempt_at=None
        )
        if count:
            ExternalLink.objects.filter(pk=link.pk).update(
                state=ExternalLink.State.PENDING
            )
    return count


def pending_count(connection: Connection) -> int:
    return SyncOp.objects.filter(
        connection=connection, state=SyncOp.State.PENDING
    ).count()
