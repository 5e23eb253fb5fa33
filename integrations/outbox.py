"""Push: the transactional outbox and the worker that drains it.

`on_ticket_events` (the handler IntegrationsConfig.ready() registers with
tickets.events) runs inside the transaction of every ticket change and writes one
SyncOp per enabled push connection, so a change is never lost even if Redis or the
platform is down. `drain` delivers the ops of each ticket in order, within the
connection's rate budget, retrying transient failures with exponential backoff and
jitter (honouring Retry-After) and stopping a ticket's queue on a permanent failure
until someone retries it by hand.
"""

import logging
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta

from django import db
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from helpdesk.actors import Actor, SystemActor
from integrations import registry
from integrations.base import Adapter, RemoteTicket, SyncError
from integrations.comments import DESCRIPTION_NOTE, push_comment
from integrations.models import Connection, ExternalLink, SyncAttempt, SyncOp
from integrations.registry import adapter_for
from tickets import events
from tickets.models import Comment, Ticket, TicketEvent

log = logging.getLogger(__name__)

ALL_FIELDS = ["subject", "status", "priority", "assignee", "tags"]
FIELD_FOR_KIND = {
    TicketEvent.Kind.STATUS_CHANGED: "status",
    TicketEvent.Kind.PRIORITY_CHANGED: "priority",
    TicketEvent.Kind.ASSIGNED: "assignee",
    TicketEvent.Kind.TAGS_CHANGED: "tags",
}
PUSHED_METADATA = ("subject", "content")


def sync_actor(platform: str) -> SystemActor:
    return SystemActor(f"{registry.get(platform).label} sync")


# --- writing the outbox (inside the change's transaction) ---


def snapshot(ticket: Ticket) -> dict:
    """What a platform needs to know about the ticket, as of this change."""
    assignee = ticket.assignee if ticket.assignee_id else None
    requester = ticket.requester if ticket.requester_id else None
    return {
        "ref": ticket.ref,
        "subject": ticket.subject,
        "content": ticket.content,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_email": getattr(assignee, "email", "") or "",
        "tags": sorted(ticket.tags.values_list("name", flat=True)),
        "requester_email": getattr(requester, "email", "") or "",
        "requester_name": getattr(requester, "name", "") or "",
    }


def _op_for(event: TicketEvent) -> tuple[str, list[str], dict] | None:
    """(kind, fields, extra payload) to push for `event`, or None."""
    kind = event.kind
    if kind == TicketEvent.Kind.CREATED:
        return SyncOp.Kind.CREATE, list(ALL_FIELDS), {}
    if kind in FIELD_FOR_KIND:
        return SyncOp.Kind.UPDATE, [FIELD_FOR_KIND[kind]], {}
    if kind == TicketEvent.Kind.METADATA_UPDATED:
        fields = [f for f in PUSHED_METADATA if f in event.data.get("fields", {})]
        return (SyncOp.Kind.UPDATE, fields, {}) if fields else None
    if kind == TicketEvent.Kind.COMMENTED:
        comment_id = event.data.get("comment_id")
        body = (
            Comment.objects.filter(pk=comment_id).values_list("body", flat=True).first()
        )
        public = bool(event.data.get("public"))
        extra = {"body": body or event.data.get("excerpt"), "public": public}
        return SyncOp.Kind.COMMENT, [], {**extra, "comment_id": comment_id}
    return None


def on_ticket_events(recorded: list[TicketEvent], actor: Actor | None) -> None:
    """Queue each change for every push connection of its workspace, except the
    platform the change came from (no echo). The connections are read once."""
    pushing: dict[int, list[Connection]] = {e.workspace_id: [] for e in recorded}
    for connection in Connection.objects.filter(
        workspace_id__in=pushing, enabled=True, push_enabled=True
    ):
        if actor != sync_actor(connection.platform):
            pushing[connection.workspace_id].append(connection)
    for event in recorded:
        if pushing[event.workspace_id]:
            _queue(event, pushing[event.workspace_id])


def _queue(event: TicketEvent, connections: list[Connection]) -> None:
    op = _op_for(event) if event.ticket_id else None
    if op is None:
        return
    kind, fields, extra = op
    ticket = event.ticket
    snap = snapshot(ticket)
    for connection in connections:
        link, created = ExternalLink.objects.get_or_create(
            connection=connection,
            ticket=ticket,
            defaults={
                "workspace_id": ticket.workspace_id,
                "platform": connection.platform,
            },
        )
        ops = []
        if created and kind != SyncOp.Kind.CREATE:
            # The ticket predates the connection: create it with its current state.
            ops.append((SyncOp.Kind.CREATE, list(ALL_FIELDS), {}))
        if not (created and kind == SyncOp.Kind.UPDATE):
            ops.append((kind, fields, extra))
        SyncOp.objects.bulk_create(
            SyncOp(
                workspace_id=ticket.workspace_id,
                connection=connection,
                link=link,
                ticket=ticket,
                event_id=event.pk,
                kind=op_kind,
                fields=op_fields,
                payload={"snapshot": snap, **op_extra},
            )
            for op_kind, op_fields, op_extra in ops
        )
        if link.state == ExternalLink.State.SYNCED:
            # An error stays shown until someone retries it.
            ExternalLink.objects.filter(pk=link.pk).update(
                state=ExternalLink.State.PENDING
            )


# --- draining (the worker) ---


@dataclass
class DrainResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    requests: int = 0

    def __add__(self, other: "DrainResult") -> "DrainResult":
        return DrainResult(
            *(a + b for a, b in zip(astuple(self), astuple(other), strict=True))
        )


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: exponential, capped, with jitter (half fixed,
    half random so retries spread out but never come back at once); never sooner
    than the platform's Retry-After."""
    base = float(settings.SYNC_BACKOFF_BASE)
    cap = float(settings.SYNC_BACKOFF_MAX)
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    delay = delay / 2 + random.uniform(0, delay / 2)  # noqa: S311
    return max(delay, retry_after or 0.0)


def _due_links(connection_id: int | None, now: datetime):
    pending = SyncOp.objects.filter(link=OuterRef("pk"), state=SyncOp.State.PENDING)
    failed = SyncOp.objects.filter(link=OuterRef("pk"), state=SyncOp.State.FAILED)
    links = ExternalLink.objects.filter(
        Exists(pending),
        ~Exists(failed),
        connection__enabled=True,
        connection__push_enabled=True,
    ).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    if connection_id is not None:
        links = links.filter(connection_id=connection_id)
    return links.order_by("id")


def _lease_seconds() -> timedelta:
    return timedelta(seconds=settings.SYNC_LEASE_SECONDS)


LINK_REMOTE_FIELDS = [
    "remote_id",
    "remote_url",
    "remote_status",
    "remote_assignee_id",
    "remote_updated_at",
    "last_error",
]


@dataclass
class Lease:
    """This worker's hold on some tickets' queues (`owner` marks them), each until
    its time in `until`. Three queries claim a whole chunk and read its pending
    ops; a hold is renewed only when less is left of it than a request may take,
    so it never lapses mid-request however slow the platform."""

    owner: uuid.UUID
    until: dict[int, datetime]

    @classmethod
    def claim(cls, ids: list[int], now: datetime) -> tuple["Lease", list]:
        """Take those of the links whose queue is free (compare-and-swap)."""
        owner, until = uuid.uuid4(), now + _lease_seconds()
        ExternalLink.objects.filter(pk__in=ids).filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        ).update(lease_until=until, lease_owner=owner)
        won = ExternalLink.objects.filter(pk__in=ids, lease_owner=owner)
        pending = SyncOp.objects.filter(state=SyncOp.State.PENDING).order_by("id")
        links = list(
            won.select_related("connection", "ticket__workspace")
            .prefetch_related(Prefetch("ops", pending, to_attr="pending_ops"))
            .order_by("id")
        )
        return cls(owner, {link.pk: until for link in links}), links

    def held(self, link: ExternalLink) -> bool:
        """Still ours with time to spare for one more request; False if it ran out
        and another worker took the queue."""
        now = timezone.now()
        spare = max(
            _lease_seconds() / 2, timedelta(seconds=sum(settings.SYNC_HTTP_TIMEOUT))
        )
        if self.until[link.pk] - now > spare:
            return True
        until = now + _lease_seconds()
        mine = ExternalLink.objects.filter(pk=link.pk, lease_owner=self.owner)
        if not mine.update(lease_until=until):
            return False
        self.until[link.pk] = until
        return True

    def finish(self, link: ExternalLink) -> bool:
        """Write what the link now knows, mark it synced and free its queue, in one
        update, if no change of it is pending any more (else nothing)."""
        pending = SyncOp.objects.filter(link=link, state=SyncOp.State.PENDING)
        mine = ExternalLink.objects.filter(pk=link.pk, lease_owner=self.owner)
        if not mine.filter(~Exists(pending)).update(
            lease_until=None,
            lease_owner=None,
            state=ExternalLink.State.SYNCED,
            last_synced_at=timezone.now(),
            **{name: getattr(link, name) for name in LINK_REMOTE_FIELDS},
        ):
            return False
        del self.until[link.pk]
        return True

    def release(self, link: ExternalLink) -> None:
        """Free the queue, unless it was finished or another worker holds it now."""
        if self.until.pop(link.pk, None) is not None:
            ExternalLink.objects.filter(pk=link.pk, lease_owner=self.owner).update(
                lease_until=None, lease_owner=None
            )


CLAIM_CHUNK = 20


def drain(*, connection_id: int | None = None, max_links: int = 200) -> DrainResult:
    """Deliver what is due. Safe to run in several workers at once. The due chunks
    are shared among SYNC_DRAIN_THREADS threads (a ticket's queue stays in one,
    in order), so the waits for the platform and the database overlap."""
    due = _due_links(connection_id, timezone.now())[:max_links]
    ids = list(due.values_list("pk", flat=True))
    chunks = [ids[i : i + CLAIM_CHUNK] for i in range(0, len(ids), CLAIM_CHUNK)]
    threads = min(int(settings.SYNC_DRAIN_THREADS), len(chunks))
    if threads <= 1:
        return _drain_chunks(chunks)
    with ThreadPoolExecutor(threads, thread_name_prefix="sync-drain") as pool:
        parts = list(
            pool.map(_drain_in_thread, [chunks[i::threads] for i in range(threads)])
        )
    return sum(parts, DrainResult())


def _drain_in_thread(chunks: list[list[int]]) -> DrainResult:
    try:
        return _drain_chunks(chunks)
    finally:
        db.connection.close()  # the thread's own connection ends with it


def _drain_chunks(chunks: list[list[int]]) -> DrainResult:
    result = DrainResult()
    adapters: dict[int, Adapter] = {}
    for chunk in chunks:
        lease, links = Lease.claim(chunk, timezone.now())
        synced: list[tuple[ExternalLink, int]] = []
        for link in links:
            connection = link.connection
            adapter = adapters.get(connection.pk)
            if adapter is None:
                adapter = adapters[connection.pk] = adapter_for(connection)
            delivered = _drain_link(link, adapter, result, lease)
            if delivered:
                synced.append((link, delivered))
        _record_synced(synced)
    for adapter in adapters.values():
        result.requests += adapter.requests_sent
    return result


def _drain_link(
    link: ExternalLink, adapter: Adapter, result: DrainResult, lease: Lease
) -> int:
    """Deliver the link's queue in order; how many went through when it emptied."""
    ops = link.pending_ops  # read with the claim
    delivered = 0
    for index, op in enumerate(ops, start=1):
        if op.next_attempt_at and op.next_attempt_at > timezone.now():
            break
        if not lease.held(link):
            break
        if not _deliver(
            op, link, adapter, result, lease if index == len(ops) else None
        ):
            break
        delivered += 1
    finished = link.pk not in lease.until
    lease.release(link)
    return delivered if finished else 0


def _record_synced(synced: list[tuple[ExternalLink, int]]) -> None:
    """One "synced" event per emptied queue, written together per platform."""
    by_platform: dict[str, list] = {}
    for link, delivered in synced:
        by_platform.setdefault(link.platform, []).append(
            (
                link.ticket,
                TicketEvent.Kind.SYNCED,
                {
                    "direction": "pushed",
                    "platform": link.platform,
                    "remote_id": link.remote_id,
                    "remote_url": link.remote_url,
                    "changes": delivered,
                },
            )
        )
    for platform, changes in by_platform.items():
        events.record_many(changes, sync_actor(platform))


def _deliver(
    op: SyncOp, link: ExternalLink, adapter: Adapter, result, last: Lease | None
) -> bool:
    """Try one op; True when it went through. After the `last` op of the queue, the
    lease finishes the link in the same transaction."""
    started = timezone.now()
    clock = time.monotonic()
    try:
        remote = _send(op, link, adapter)
    except SyncError as exc:
        _failed(op, link, exc, started, clock, result)
        return False
    with transaction.atomic():
        SyncAttempt.objects.create(
            op=op,
            connection_id=op.connection_id,
            started_at=started,
            duration_ms=int((time.monotonic() - clock) * 1000),
            outcome=SyncAttempt.Outcome.OK,
        )
        op.state = SyncOp.State.DONE
        op.attempts += 1
        op.done_at = timezone.now()
        op.last_error = ""
        op.save(update_fields=["state", "attempts", "done_at", "last_error"])
        if remote is not None:
            _remember(link, remote)
        link.last_error = ""
        if last is None or not last.finish(link):
            link.save(update_fields=LINK_REMOTE_FIELDS)
    result.delivered += 1
    return True


def _send(op: SyncOp, link: ExternalLink, adapter: Adapter) -> RemoteTicket | None:
    snap = op.payload["snapshot"]
    if op.kind == SyncOp.Kind.CREATE and not link.remote_id:
        # Idempotent create: a retry after a lost answer finds the first one.
        remote = adapter.find_by_external_id(snap["ref"])
        return remote or adapter.create(snap)
    if not link.remote_id:
        raise SyncError("The remote ticket was never created.", permanent=True)
    if op.kind == SyncOp.Kind.COMMENT:
        return push_comment(adapter, link, op)
    fields = list(ALL_FIELDS) if op.kind == SyncOp.Kind.CREATE else list(op.fields)
    if "content" in fields:
        fields.remove("content")
        note = f"{DESCRIPTION_NOTE}{snap['content']}"
        remote = adapter.add_comment(link, note, False, snap).ticket
        if remote is not None:
            _remember(link, remote)
    return adapter.update(link, snap, fields) if fields else None


def _remember(link: ExternalLink, remote: RemoteTicket) -> None:
    """Note what the platform now holds (a Zendesk follow-up moves the link)."""
    if link.remote_id and remote.remote_id != link.remote_id:
        events.record(
            link.ticket,
            TicketEvent.Kind.SYNCED,
            sync_actor(link.platform),
            direction="pushed",
            platform=link.platform,
            remote_id=remote.remote_id,
            follow_up_of=link.remote_id,
        )
    link.remote_id = remote.remote_id
    link.remote_url = remote.url or link.remote_url
    link.remote_status = remote.remote_status or link.remote_status
    if remote.assignee_id is not None:
        link.remote_assignee_id = remote.assignee_id
    if remote.updated_at and (
        link.remote_updated_at is None or remote.updated_at > link.remote_updated_at
    ):
        link.remote_updated_at = remote.updated_at


def _failed(op, link, exc: SyncError, started, clock, result) -> None:
    if not exc.counts:
        # Our own budget said wait; nothing was sent, so it is not an attempt.
        op.next_attempt_at = timezone.now() + timedelta(seconds=exc.retry_after or 1)
        op.save(update_fields=["next_attempt_at"])
        result.retrying += 1
        return
    max_attempts = int(settings.SYNC_MAX_ATTEMPTS)
    with transaction.atomic():
        op.attempts += 1
        permanent = exc.permanent or op.attempts >= max_attempts
        SyncAttempt.objects.create(
            op=op,
            connection_id=op.connection_id,
            started_at=started,
            duration_ms=int((time.monotonic() - clock) * 1000),
            outcome=SyncAttempt.Outcome.PERMANENT
            if permanent
            else SyncAttempt.Outcome.TRANSIENT,
            status_code=exc.status_code,
            error=exc.message[:2000],
        )
        op.last_error = exc.message[:2000]
        if permanent:
            op.state = SyncOp.State.FAILED
            reason = exc.message
            if not exc.permanent:
                reason = f"Gave up after {op.attempts} attempts: {exc.message}"
            link.state = ExternalLink.State.ERROR
            link.last_error = reason[:2000]
            link.save(update_fields=["state", "last_error"])
            events.record(
                link.ticket,
                TicketEvent.Kind.SYNC_FAILED,
                sync_actor(link.platform),
                platform=link.platform,
                remote_id=link.remote_id,
                reason=reason[:500],
            )
            result.failed += 1
        else:
            op.next_attempt_at = timezone.now() + timedelta(
                seconds=backoff(op.attempts, exc.retry_after)
            )
            link.last_error = exc.message[:2000]
            link.save(update_fields=["last_error"])
            result.retrying += 1
        op.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
    log.info("sync op %s failed (%s): %s", op.pk, op.state, exc.message)
