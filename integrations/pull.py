"""Pull: apply a platform's view of a ticket to ours (from a webhook or the periodic
incremental pull).

Changes go through tickets.services as the platform's sync actor, so they write
events and history like any other change, and the outbox does not push them back to
the platform they came from. A remote state older than what we hold is ignored.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.lib.errors import InvalidTransition
from helpdesk.services import contact_upsert
from helpdesk.tenancy import member_get
from integrations.base import Adapter, RemoteTicket, SyncError
from integrations.models import Connection, ExternalLink
from integrations.outbox import sync_actor
from integrations.registry import adapter_for
from tickets import events, services
from tickets.models import Ticket, TicketEvent
from tickets.refs import parse_ref

log = logging.getLogger(__name__)
User = get_user_model()


def _member_by_email(connection: Connection, email: str | None):
    if not email:
        return None
    return member_get(connection.workspace_id, email=email)


def _find_link(connection: Connection, remote: RemoteTicket) -> ExternalLink | None:
    link = (
        ExternalLink.objects.select_for_update()
        .filter(connection=connection, remote_id=remote.remote_id)
        .first()
    )
    if link is not None or not remote.external_id:
        return link
    # Ours, but the answer to our create was lost: match it by our reference.
    try:
        number = parse_ref(remote.external_id, connection.workspace.ticket_prefix)
    except (ValueError, ValidationError):
        return None
    ticket = Ticket.objects.filter(
        workspace_id=connection.workspace_id, number=number
    ).first()
    if ticket is None:
        return None
    link, _ = ExternalLink.objects.get_or_create(
        connection=connection,
        ticket=ticket,
        defaults={"workspace_id": ticket.workspace_id, "platform": connection.platform},
    )
    return ExternalLink.objects.select_for_update().get(pk=link.pk)


def apply_remote(
    connection: Connection, remote: RemoteTicket, adapter: Adapter | None = None
) -> str:
    """Bring our ticket in line with `remote`. Returns what happened: "created",
    "updated", "unchanged", "stale" or "deleted" (deleted on the platform: never
    imported, never applied; the link remembers it)."""
    adapter = adapter or adapter_for(connection)
    actor = sync_actor(connection.platform)
    with transaction.atomic():
        link = _find_link(connection, remote)
        if remote.deleted:
            if link is not None:
                link.remote_status = "deleted"
                link.save(update_fields=["remote_status"])
            return "deleted"
        if link is None:
            return _import(connection, remote, adapter)
        if (
            link.remote_updated_at
            and remote.updated_at
            and remote.updated_at <= link.remote_updated_at
        ):
            return "stale"
        assignee = _remote_assignee(link, remote, adapter, connection)
        ticket = link.ticket
        requester = _remote_requester(connection, remote, adapter, lookup=False)
        changed = _apply_fields(ticket, remote, (assignee, requester), actor)
        link.remote_id = remote.remote_id
        link.remote_url = remote.url or link.remote_url
        link.remote_status = remote.remote_status or link.remote_status
        link.remote_assignee_id = remote.assignee_id or ""
        link.remote_updated_at = remote.updated_at or link.remote_updated_at
        link.last_synced_at = timezone.now()
        if (
            link.state != ExternalLink.State.ERROR
            and not link.ops.filter(state="pending").exists()
        ):
            link.state = ExternalLink.State.SYNCED
        link.save()
        if changed:
            events.record(
                ticket,
                TicketEvent.Kind.SYNCED,
                actor,
                direction="pulled",
                platform=connection.platform,
                remote_id=remote.remote_id,
                fields=changed,
            )
    return "updated" if changed else "unchanged"


def _remote_assignee(link, remote, adapter, connection):
    """Our member for the remote assignee (matched by e-mail); False: no change."""
    if remote.assignee_id is None or remote.assignee_id == link.remote_assignee_id:
        return False
    if not remote.assignee_id:
        return None
    return _member_by_email(connection, adapter.email_for_user_id(remote.assignee_id))


def _remote_requester(connection, remote, adapter, lookup: bool = True):
    """Our contact for the remote requester (created if new); None: unknown. A
    linked ticket takes only a requester given inline (no request per ticket)."""
    found = adapter.requester_for(remote, lookup)
    if found is None:
        return None
    try:
        return contact_upsert(
            workspace=connection.workspace, email=found[0], name=found[1]
        )
    except ValidationError:
        return None


def _apply_fields(ticket: Ticket, remote: RemoteTicket, people, actor) -> list[str]:
    """`people`: (our member for the remote assignee, False for no change; our
    contact for the remote requester, None for unknown)."""
    assignee, requester = people
    changed: list[str] = []
    changes = {}
    if requester is not None and requester.pk != ticket.requester_id:
        changes["requester"] = requester
    if remote.subject and remote.subject != ticket.subject:
        changes["subject"] = remote.subject
    if remote.priority and remote.priority != ticket.priority:
        changes["priority"] = remote.priority
    if assignee is not False and assignee != ticket.assignee:
        changes["assignee"] = assignee
    tags = None
    if remote.tags is not None:
        current = set(ticket.tags.values_list("name", flat=True))
        if current != set(services.normalize_tag_names(remote.tags)):
            tags = remote.tags
    if changes or tags is not None:
        ticket = services.ticket_update(
            ticket=ticket, actor=actor, changes=changes, tags=tags
        )
        changed += sorted(changes)
    if remote.status and remote.status != ticket.status:
        try:
            ticket = services.ticket_change_status(
                ticket=ticket, to=remote.status, actor=actor
            )
            changed.append("status")
        except InvalidTransition as exc:
            events.record(
                ticket,
                TicketEvent.Kind.SYNC_FAILED,
                actor,
                direction="pulled",
                reason=f"Remote status not applied: {exc.message}",
            )
    if tags is not None:
        changed.append("tags")
    return changed


def _import(connection: Connection, remote: RemoteTicket, adapter: Adapter) -> str:
    """A ticket made on the platform: open it here too, already linked."""
    actor = sync_actor(connection.platform)
    assignee = None
    if remote.assignee_id:
        assignee = _member_by_email(
            connection, adapter.email_for_user_id(remote.assignee_id)
        )
    ticket = services.ticket_create(
        workspace=connection.workspace,
        actor=actor,
        requester=_remote_requester(connection, remote, adapter),
        subject=(remote.subject or f"{adapter.label} #{remote.remote_id}")[:200],
        status=remote.status or "open",
        priority=remote.priority or 3,
        assignee=assignee,
        tags=remote.tags or [],
        source=Ticket.Source.EXTERNAL,
    )
    ExternalLink.objects.create(
        workspace_id=ticket.workspace_id,
        connection=connection,
        ticket=ticket,
        platform=connection.platform,
        remote_id=remote.remote_id,
        remote_url=remote.url,
        remote_status=remote.remote_status,
        remote_assignee_id=remote.assignee_id or "",
        remote_updated_at=remote.updated_at,
        last_synced_at=timezone.now(),
        state=ExternalLink.State.SYNCED,
    )
    events.record(
        ticket,
        TicketEvent.Kind.SYNCED,
        actor,
        direction="pulled",
        platform=connection.platform,
        remote_id=remote.remote_id,
        fields=["created"],
    )
    return "created"


def pull_connection(connection: Connection, *, max_pages: int = 10) -> dict:
    """The periodic incremental pull: repairs whatever webhooks missed."""
    adapter = adapter_for(connection)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "stale": 0, "deleted": 0}
    cursor = connection.pull_cursor
    for _ in range(max_pages):
        tickets, cursor, more = adapter.pull_changes(cursor)
        for remote in tickets:
            counts[apply_remote(connection, remote, adapter)] += 1
        Connection.objects.filter(pk=connection.pk).update(
            pull_cursor=cursor, last_pulled_at=timezone.now()
        )
        if not more:
            break
    connection.pull_cursor = cursor
    return counts


def pull_all() -> dict[int, dict | str]:
    results: dict[int, dict | str] = {}
    for connection in Connection.objects.filter(enabled=True, pull_enabled=True):
        try:
            results[connection.pk] = pull_connection(connection)
        except SyncError as exc:
            log.warning("pull of connection %s failed: %s", connection.pk, exc.message)
            results[connection.pk] = exc.message
    return results
