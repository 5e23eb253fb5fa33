"""The SLA's ticket-event handler, registered by SlaConfig.ready(): moves the clocks
of the tickets a change touched, in the change's transaction.

Metrics (DESIGN §5):
- first_response: from creation to the first public agent comment;
- next_response: from a customer message to the next public agent comment (one cycle
  per unanswered message; a new cycle starts once the previous one is answered);
- resolution: from creation to resolved/closed; paused while waiting on the contact;
  a reopen resumes it, the time spent resolved counting as paused.
Reply clocks pause while the ticket is resolved, closed or archived.

The handler writes clocks and "SLA applied" events only: waking a snoozed ticket on
a customer reply is tickets.conversations.customer_replied's job, not the clocks'.
"""

from datetime import datetime

from django.utils import timezone

from helpdesk.actors import SLA_ACTOR, Actor
from sla.models import Metric, SlaTarget
from sla.services.clocks import (
    ACTIVE,
    REPLY_METRICS,
    Batch,
    applied_data,
    new_clock,
    pause,
    policy_specs,
    record_applied,
    resume,
    should_pause,
    sla_apply,
    starting_clock,
)
from sla.services.policies import policy_for, workspace_policies
from tickets.events import Opening
from tickets.models import NO_BREACH, Ticket, TicketEvent

Kind = TicketEvent.Kind
REAPPLY_KINDS = frozenset(
    {
        Kind.PRIORITY_CHANGED,
        Kind.TEAM_CHANGED,
        Kind.LABEL_CHANGED,
        Kind.TAGS_CHANGED,
    }
)


def _reads_clocks(event: TicketEvent) -> bool:
    """Whether the event's hook matches policies and moves the ticket's clocks."""
    kind = event.kind
    channel_changed = kind == Kind.METADATA_UPDATED and "channel" in event.data.get(
        "fields", {}
    )
    # A new ticket's clocks were planned before its insert (on_ticket_opening).
    return bool(event.ticket_id) and (
        kind == Kind.STATUS_CHANGED or kind in REAPPLY_KINDS or channel_changed
    )


def on_ticket_opening(ticket: Ticket, tag_names: list[str]) -> Opening | None:
    """The clocks of a new ticket, planned before its row is inserted (an opener
    for tickets.events): the row gets its next breach, "SLA applied" is recorded
    with CREATED and the clocks are written in one INSERT once it has its id."""
    tags = {name.lower() for name in tag_names}
    policy = policy_for(ticket, workspace_policies(ticket.workspace), tags)
    specs = policy_specs(policy, ticket.priority).values()
    now = ticket.created_at
    clocks = [c for s in specs if (c := starting_clock(ticket, policy, s, now))]
    if not clocks:
        return None
    running = [c.due_at for c in clocks if c.paused_at is None]
    ticket.next_breach_at = min(running, default=NO_BREACH)
    due = {c.metric: c.due_at.isoformat() for c in clocks}
    return Opening(
        events=[(Kind.SLA_APPLIED, applied_data(policy, due), SLA_ACTOR)],
        save=lambda: SlaTarget.objects.bulk_create(clocks),
    )


def on_ticket_events(events: list[TicketEvent], actor: Actor | None) -> None:
    """React to the timeline events of one change; called by tickets.events in the
    change's transaction, so the clocks commit (or roll back) with it."""
    batch = Batch.load([e.ticket for e in events if _reads_clocks(e)])
    for event in events:
        if event.ticket is not None:
            _on_event(event, batch)
    batch.finish()


def _on_event(event: TicketEvent, batch: Batch) -> None:
    ticket, kind = event.ticket, event.kind
    now = event.created_at or timezone.now()
    if kind == Kind.STATUS_CHANGED:
        old, new = event.data.get("old"), event.data.get("new")
        _on_status(old, new, now, batch.clocks[ticket.pk], batch.moved)
    if _reads_clocks(event):
        sla_apply(ticket=ticket, now=now, batch=batch)
        batch.touched.add(ticket.pk)
    elif kind == Kind.COMMENTED:
        _on_comment(ticket, event, now)
        batch.touched.add(ticket.pk)
    elif kind == Kind.CUSTOMER_REPLIED:
        _on_customer_message(ticket, now)
        batch.touched.add(ticket.pk)


def _on_status(
    old: str,
    new: str,
    now: datetime,
    clocks: list[SlaTarget],
    changed: list[SlaTarget],
) -> None:
    """Pause, resume or fulfil the clocks for a status move; the clocks it changes
    are added to `changed` for the caller to save."""
    for target in clocks:
        before = (target.paused_at, target.fulfilled_at, target.due_at)
        if target.metric == Metric.RESOLUTION:
            if new not in ACTIVE:
                if target.fulfilled_at is None:
                    resume(target, now)
                    target.fulfilled_at = now
            elif old not in ACTIVE and target.fulfilled_at is not None:
                # Reopened: the time spent resolved counts as paused.
                target.paused_at = target.fulfilled_at
                target.fulfilled_at = None
                resume(target, now)
        if target.fulfilled_at is None:
            if should_pause(target.metric, new):
                pause(target, now)
            else:
                resume(target, now)
        if (target.paused_at, target.fulfilled_at, target.due_at) != before:
            changed.append(target)


def _on_comment(ticket: Ticket, event: TicketEvent, now: datetime) -> None:
    if event.actor_id is None:
        return  # system and AI comments are not an agent's reply
    public = bool(event.data.get("public"))
    for target in SlaTarget.objects.filter(
        ticket=ticket, metric__in=REPLY_METRICS, fulfilled_at__isnull=True
    ).select_related("policy"):
        if public or (
            target.policy is not None and target.policy.internal_notes_fulfil
        ):
            resume(target, now)
            target.fulfilled_at = now
            target.save()


def _on_customer_message(ticket: Ticket, now: datetime) -> None:
    """Start a next-response cycle, unless an unanswered message already runs one."""
    current = SlaTarget.objects.filter(
        ticket=ticket, metric=Metric.NEXT_RESPONSE
    ).first()
    if current is not None and current.fulfilled_at is None:
        return  # the oldest unanswered message keeps the clock
    policy = policy_for(ticket)
    spec = (
        policy.targets.filter(
            priority=ticket.priority, metric=Metric.NEXT_RESPONSE
        ).first()
        if policy
        else None
    )
    if spec is None:
        return
    fresh = new_clock(ticket, policy, spec, now)
    if current is not None:
        fresh.pk, fresh.cycle = current.pk, current.cycle + 1
    if should_pause(Metric.NEXT_RESPONSE, ticket.status):
        fresh.paused_at = now
    fresh.save()
    record_applied(
        ticket,
        policy,
        {Metric.NEXT_RESPONSE: fresh.due_at.isoformat()},
        cycle=fresh.cycle,
    )
