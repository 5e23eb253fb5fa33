"""A pulled page applied as a whole: the common change (a status moved on the
platform, or nothing changed) costs a fixed handful of queries per page, not a
round of ticket services per change.

Each change is sorted once. A change on a linked ticket whose only difference is
its status joins its status's bulk move (`tickets.services.tickets_change_status`:
the same row change, history row, event and SLA clock moves as one move, for many
tickets at once); one that changes nothing only refreshes its link. Anything else
(an import, a deletion, a stale or repeated change, a subject, priority, assignee,
tag or requester change) goes through `pull.apply_remote` one at a time, as before.
The links are written back in one UPDATE and the "synced" events in one INSERT.
Everything runs in the page's transaction, as the sync actor, so the outbox does
not push the changes back to where they came from.
"""

from collections import Counter, defaultdict

from django.db.models import Exists, OuterRef
from django.utils import timezone

from helpdesk.lib.bulk import bulk_set
from integrations import comments
from integrations.base import Adapter, RemoteTicket
from integrations.models import Connection, ExternalLink, SyncOp
from integrations.outbox import sync_actor
from tickets import events, services
from tickets.models import Ticket, TicketEvent

LINK_FIELDS = (
    "remote_id",
    "remote_url",
    "remote_status",
    "remote_assignee_id",
    "remote_updated_at",
    "last_synced_at",
    "state",
)


def _links(connection: Connection, remotes: list[RemoteTicket]) -> dict:
    """The page's links by remote id, locked, with their tickets, the tickets'
    requesters and whether an op still waits to be pushed."""
    pending = SyncOp.objects.filter(link=OuterRef("pk"), state=SyncOp.State.PENDING)
    rows = (
        ExternalLink.objects.select_for_update(of=("self",))
        .select_related("ticket__requester", "ticket__workspace")
        .annotate(has_pending=Exists(pending))
        .filter(connection=connection, remote_id__in=[r.remote_id for r in remotes])
        .order_by("pk")  # one lock order
    )
    return {link.remote_id: link for link in rows}


def _tags_of(links, remotes: list[RemoteTicket]) -> dict[int, set[str]]:
    """Our tag names of each linked ticket, when the page carries tags at all."""
    if all(remote.tags is None for remote in remotes):
        return {}
    tags: dict[int, set[str]] = defaultdict(set)
    rows = Ticket.tags.through.objects.filter(
        ticket_id__in=[link.ticket_id for link in links]
    ).values_list("ticket_id", "tag__name")
    for ticket_id, name in rows:
        tags[ticket_id].add(name)
    return tags


def _only_status(link, remote: RemoteTicket, adapter: Adapter, tags) -> bool:
    """Whether `remote` differs from our ticket in its status at most (a change
    the bulk path can apply); anything else takes the one-at-a-time path."""
    ticket = link.ticket
    if remote.deleted or (
        link.remote_updated_at
        and remote.updated_at
        and remote.updated_at <= link.remote_updated_at
    ):
        return False
    if remote.subject and remote.subject != ticket.subject:
        return False
    if remote.priority and remote.priority != ticket.priority:
        return False
    if remote.assignee_id is not None and remote.assignee_id != (
        link.remote_assignee_id
    ):
        return False
    if remote.tags is not None and set(
        services.normalize_tag_names(remote.tags)
    ) != tags.get(ticket.pk, set()):
        return False
    found = adapter.requester_for(remote, lookup=False)
    requester = ticket.requester
    return found is None or (
        requester is not None
        and requester.email.lower() == found[0].lower()
        and (bool(requester.name) or not found[1])
    )


def _refresh(link, remote: RemoteTicket, now) -> None:
    link.remote_id = remote.remote_id
    link.remote_url = remote.url or link.remote_url
    link.remote_status = remote.remote_status or link.remote_status
    link.remote_assignee_id = remote.assignee_id or ""
    link.remote_updated_at = remote.updated_at or link.remote_updated_at
    link.last_synced_at = now
    if link.state != ExternalLink.State.ERROR and not link.has_pending:
        link.state = ExternalLink.State.SYNCED


def _sort(connection, remotes, adapter) -> tuple[list, dict, list]:
    """(links refreshed as they are, links by the status they move to, changes
    for the one-at-a-time path in page order)."""
    repeated = {
        rid for rid, n in Counter(r.remote_id for r in remotes).items() if n > 1
    }
    links = _links(connection, remotes)
    tags = _tags_of(links.values(), remotes)
    plain, moves, one_by_one = [], defaultdict(list), []
    now = timezone.now()
    for remote in remotes:
        link = links.get(remote.remote_id)
        if (
            link is None
            or remote.remote_id in repeated
            or not _only_status(link, remote, adapter, tags)
        ):
            one_by_one.append(remote)
            continue
        _refresh(link, remote, now)
        if remote.status and remote.status != link.ticket.status:
            moves[remote.status].append(link)
        else:
            plain.append(link)
    return plain, moves, one_by_one


def _move(connection, moves: dict, actor) -> list[tuple]:
    """Each status's tickets moved in bulk; the page's "synced" and "not applied"
    events, as (ticket, kind, data)."""
    recorded = []
    for status, links in moves.items():
        tickets = [link.ticket for link in links]
        refused = services.tickets_change_status(
            tickets=tickets, to=status, actor=actor
        )
        for link in links:
            ticket = link.ticket
            if ticket.pk in refused:
                reason = f"Remote status not applied: {refused[ticket.pk]}"
                data = {"direction": "pulled", "reason": reason}
                recorded.append((ticket, TicketEvent.Kind.SYNC_FAILED, data))
                continue
            ticket.status = status
            data = {
                "direction": "pulled",
                "platform": connection.platform,
                "remote_id": link.remote_id,
                "fields": ["status"],
            }
            recorded.append((ticket, TicketEvent.Kind.SYNCED, data))
    return recorded


def _read_comments(connection, links, remotes, adapter, actor) -> set[int]:
    """A new comment alone changes no field, so the batched tickets' comments are
    read too (one request each), checked against the known ones in one query;
    the ids of the links whose ticket gained a comment."""
    by_id = {remote.remote_id: remote for remote in remotes}
    found = {link.pk: comments.read(adapter, by_id[link.remote_id]) for link in links}
    seen = comments.known(connection.pk, [c for f in found.values() for c in f])
    return {
        link.pk
        for link in links
        if comments.add(link, found[link.pk], seen, adapter, actor)
    }


def apply_page(
    connection: Connection, remotes: list[RemoteTicket], adapter: Adapter
) -> tuple[Counter, list[RemoteTicket]]:
    """Apply what the bulk path can of one page, in the caller's transaction:
    (counts by outcome, the changes left for the one-at-a-time path)."""
    plain, moves, one_by_one = _sort(connection, remotes, adapter)
    actor = sync_actor(connection.platform)
    recorded = _move(connection, moves, actor)
    if recorded:
        events.record_many(recorded, actor)
    moved = [link for links in moves.values() for link in links]
    if plain or moved:
        bulk_set([*plain, *moved], LINK_FIELDS)
    commented = _read_comments(connection, plain + moved, remotes, adapter, actor)
    synced = sum(kind == TicketEvent.Kind.SYNCED for _t, kind, _d in recorded)
    updated = synced + len([link for link in plain if link.pk in commented])
    counts = Counter(updated=updated, unchanged=len(plain) + len(moved) - updated)
    return counts, one_by_one
