"""Pull: apply a platform's view of a ticket to ours (from a webhook or the periodic
incremental pull).

Changes go through tickets.services as the platform's sync actor, so they write
events and history like any other change, and the outbox does not push them back to
the platform they came from. A remote state older than what we hold is ignored.
"""

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.lib.errors import InvalidTransition
from helpdesk.services import contact_upsert
from helpdesk.tenancy import member_get
from integrations import pull_page, ratelimit
from integrations.base import Adapter, RemoteTicket, SyncError
from integrations.comments import pull_comments
from integrations.models import Connection, ExternalLink
from integrations.outbox import backoff, sync_actor
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
    connection: Connection,
    remote: RemoteTicket,
    adapter: Adapter | None = None,
    *,
    read_comments: bool = True,
) -> str:
    """Bring our ticket in line with `remote`: "created", "updated", "unchanged",
    "stale" or "deleted" (deleted there: never imported nor applied; the link
    remembers it). A webhook passes `read_comments=False` and queues the read
    (`link_comments_pull`), so it never waits for the platform."""
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
            return _import(connection, remote, adapter, read_comments)
        if (
            link.remote_updated_at
            and remote.updated_at
            and remote.updated_at <= link.remote_updated_at
        ):
            return "stale"
        assignee = _remote_assignee(link, remote, adapter, connection)
        ticket = link.ticket
        # A requester given by id only is looked up when it is not the last one.
        moved = remote.requester_id not in ("", link.remote_requester_id)
        requester = _remote_requester(connection, remote, adapter, lookup=moved)
        changed = _apply_fields(ticket, remote, (assignee, requester), actor)
        if read_comments and pull_comments(link, remote, adapter, actor):
            changed.append("comments")
        link.remote_id = remote.remote_id
        link.remote_url = remote.url or link.remote_url
        link.remote_status = remote.remote_status or link.remote_status
        link.remote_assignee_id = remote.assignee_id or ""
        link.remote_requester_id = remote.requester_id or link.remote_requester_id
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
    """Our contact for the remote requester (created if new); None: unknown.
    Without `lookup` only a requester given inline counts (no request)."""
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


def _import(
    connection: Connection,
    remote: RemoteTicket,
    adapter: Adapter,
    read_comments: bool = True,
) -> str:
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
    link = ExternalLink.objects.create(
        workspace_id=ticket.workspace_id,
        connection=connection,
        ticket=ticket,
        platform=connection.platform,
        remote_id=remote.remote_id,
        remote_url=remote.url,
        remote_status=remote.remote_status,
        remote_assignee_id=remote.assignee_id or "",
        remote_requester_id=remote.requester_id,
        remote_updated_at=remote.updated_at,
        last_synced_at=timezone.now(),
        state=ExternalLink.State.SYNCED,
    )
    if read_comments:
        pull_comments(link, remote, adapter, actor)
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


OUTCOMES = ("created", "updated", "unchanged", "stale", "deleted")


def link_comments_pull(connection_id: int, remote_id: str) -> int:
    """The new comments of one linked remote ticket (queued by a webhook): how
    many were added. A platform error leaves nothing written and is raised for
    the queue to retry."""
    with transaction.atomic():
        link = (
            ExternalLink.objects.select_for_update(of=("self",))
            .select_related("connection__workspace", "ticket")
            .filter(
                connection_id=connection_id,
                connection__enabled=True,
                remote_id=remote_id,
            )
            .first()
        )
        if link is None:  # unlinked or disabled since: nothing to read into
            return 0
        connection = link.connection
        return pull_comments(
            link,
            RemoteTicket(remote_id=remote_id),
            adapter_for(connection),
            sync_actor(connection.platform),
        )


def link_comments_give_up(connection_id: int, remote_id: str) -> None:
    """The queue could not read the comments: the link forgets the remote
    change's time, so the next pull lists it again and reads them."""
    ExternalLink.objects.filter(
        connection_id=connection_id, remote_id=remote_id
    ).update(remote_updated_at=None)


def pull_adapter(connection: Connection, max_wait: float | None = None) -> Adapter:
    """An adapter whose requests spend the pull's share of the budget and wait for
    it (SYNC_PULL_MAX_WAIT at most) instead of failing at once."""
    adapter = adapter_for(connection)
    adapter.client.lane = ratelimit.PULL
    adapter.client.max_wait = (
        float(settings.SYNC_PULL_MAX_WAIT) if max_wait is None else max_wait
    )
    return adapter


def pull_pages(
    connection: Connection,
    adapter: Adapter,
    cursor: str,
    *,
    max_pages: int,
    save: Callable[[str], None],
    on_page: Callable[[list[RemoteTicket]], None] | None = None,
) -> tuple[dict, bool]:
    """Apply up to `max_pages` pages of changes from `cursor` on, handing each
    page's new cursor to `save` in the page's transaction: (counts, more to come)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    more = False
    for _ in range(max_pages):
        tickets, cursor, more = adapter.pull_changes(cursor)
        # A page and its cursor commit together (one commit, not one a change): a
        # page that fails is applied again whole by the next run.
        with transaction.atomic():
            done, rest = pull_page.apply_page(connection, tickets, adapter)
            for outcome, count in done.items():
                counts[outcome] += count
            for remote in rest:
                counts[apply_remote(connection, remote, adapter)] += 1
            save(cursor)
        if on_page is not None:
            on_page(tickets)
        if not more:
            break
    return counts, more


def pull_connection(connection: Connection, *, max_pages: int = 10) -> dict:
    """The periodic incremental pull: repairs whatever webhooks missed. A failure
    is kept on the connection (its health) until a pull succeeds again."""
    rows = Connection.objects.filter(pk=connection.pk)

    def save(cursor: str) -> None:
        connection.pull_cursor = cursor
        rows.update(pull_cursor=cursor, last_pulled_at=timezone.now())

    try:
        counts, _ = pull_pages(
            connection,
            pull_adapter(connection),
            connection.pull_cursor,
            max_pages=max_pages,
            save=save,
        )
    except SyncError as exc:
        rows.update(
            last_pull_error=exc.message[:2000], last_pull_error_at=timezone.now()
        )
        raise
    if connection.last_pull_error:
        rows.update(last_pull_error="", last_pull_error_at=None)
    return counts


BACKFILL_TRIES = 5


def backfill(
    connection: Connection,
    since: datetime,
    *,
    on_page: Callable[[list[RemoteTicket]], None] | None = None,
) -> dict:
    """Apply every ticket changed on the platform since `since`, page by page, past
    the first-pull window. Resumable: the cursor is kept on the connection with the
    `since` it serves, so a run stopped midway goes on from its last page; budget
    waits and passing failures are waited out with the outbox's backoff
    (BACKFILL_TRIES in a row at most)."""
    state = json.loads(connection.backfill_cursor or "{}")
    cursor = state.get("cursor", "") if state.get("since") == since.isoformat() else ""
    adapter = pull_adapter(connection)
    adapter.since = since
    rows = Connection.objects.filter(pk=connection.pk)

    def save(new: str) -> None:
        nonlocal cursor
        cursor = new
        rows.update(
            backfill_cursor=json.dumps({"since": since.isoformat(), "cursor": new})
        )

    totals = dict.fromkeys(OUTCOMES, 0)
    more, failures = True, 0
    while more:
        try:
            counts, more = pull_pages(
                connection, adapter, cursor, max_pages=1, save=save, on_page=on_page
            )
        except SyncError as exc:
            failures += 1
            if exc.permanent or failures >= BACKFILL_TRIES:
                raise
            time.sleep(backoff(failures, exc.retry_after))
            continue
        failures = 0
        for outcome, count in counts.items():
            totals[outcome] += count
    rows.update(backfill_cursor="")
    return totals


def pull_all() -> dict[int, dict | str]:
    results: dict[int, dict | str] = {}
    for connection in Connection.objects.filter(enabled=True, pull_enabled=True):
        try:
            results[connection.pk] = pull_connection(connection)
        except SyncError as exc:
            log.warning("pull of connection %s failed: %s", connection.pk, exc.message)
            results[connection.pk] = exc.message
    return results
