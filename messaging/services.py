"""Writes to channels: one function each, validated, one transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.actors import Actor
from helpdesk.audit import stamp_history
from helpdesk.models import Workspace
from messaging.models import Channel

PLAIN_FIELDS = (
    "kind",
    "enabled",
    "callback_url",
    "from_email",
    "from_name",
    "signature",
)


def channel_save(
    *,
    workspace: Workspace,
    actor: Actor | None,
    values: dict[str, Any],
    channel: Channel | None = None,
) -> Channel:
    """Create or change a channel; `secret` sets the chat callback's signing
    secret. The history row names `actor` and never holds the secret."""
    channel = channel or Channel(workspace=workspace)
    if channel.workspace_id != workspace.pk:
        raise ValidationError({"channel": ["Not a channel of this workspace."]})
    if channel.pk and values.get("kind", channel.kind) != channel.kind:
        raise ValidationError({"kind": ["A channel's kind cannot change."]})
    for name in PLAIN_FIELDS:
        if name in values:
            setattr(channel, name, values[name])
    note = ""
    if values.get("secret"):
        channel.set_secret(values["secret"])
        note = "signing secret set"
    if (
        channel.pk is None
        and Channel.objects.filter(workspace=workspace, kind=channel.kind).exists()
    ):
        raise ValidationError(
            {"kind": [f"This workspace has a {channel.get_kind_display()} already."]}
        )
    channel.full_clean(exclude=["workspace"], validate_unique=False)
    stamp_history(channel, actor, note)
    with transaction.atomic():
        channel.save()
    return channel


def channel_delete(*, channel: Channel, actor: Actor | None) -> None:
    stamp_history(channel, actor, "deleted")
    channel.delete()
