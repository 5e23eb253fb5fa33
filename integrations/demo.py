"""Demo data of the integrations, added by `manage.py seed_demo` (which calls the
`demo.seed(workspace, users)` of every installed app that has one): a Zendesk
connection and one of the demo agent's open tickets linked to its counterpart
there, synced a few minutes ago, so the panel's External Sync section and the
integrations page show what a synced ticket looks like.

The connection is paused (`enabled=False`): neither the pull nor the push touches
it, so `make run` never calls out, and no credentials are stored. Idempotent:
nothing happens once the workspace has a connection."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.models import Connection, ExternalLink
from tickets import workflow
from tickets.models import Ticket

SUBDOMAIN = "acme-demo"
REMOTE_ID = "48213"


def seed(workspace, users: dict) -> int:
    """Add the connection and the synced ticket; how many links were made."""
    if Connection.objects.filter(workspace=workspace).exists():
        return 0
    ticket = (
        Ticket.objects.filter(
            workspace=workspace,
            assignee=users.get("agent"),
            status=workflow.Status.OPEN,
            snoozed_until__isnull=True,
        )
        .order_by("number")
        .first()
    )
    if ticket is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        connection = Connection.objects.create(
            workspace=workspace,
            platform="zendesk",
            name="Zendesk (demo, paused)",
            subdomain=SUBDOMAIN,
            enabled=False,
            last_pulled_at=now - timedelta(minutes=4),
        )
        ExternalLink.objects.create(
            workspace=workspace,
            connection=connection,
            ticket=ticket,
            platform="zendesk",
            remote_id=REMOTE_ID,
            remote_url=f"https://{SUBDOMAIN}.zendesk.com/agent/tickets/{REMOTE_ID}",
            remote_status="open",
            remote_requester_id="9021",
            state=ExternalLink.State.SYNCED,
            last_synced_at=now - timedelta(minutes=4),
            remote_updated_at=now - timedelta(minutes=5),
        )
    return 1
