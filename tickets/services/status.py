"""Moving tickets along the state machine, one at a time or in bulk."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.actors import Actor, actor_label, actor_user
from tickets import events, workflow
from tickets.models import Comment, Ticket, TicketEvent
from tickets.services._common import LOCKED_WITH, MAX_TEXT, _lock, _save


def _check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ValidationError({"comment": [f"At most {MAX_TEXT} characters."]})
    return comment


def _move(ticket: Ticket, to: str, now: datetime) -> tuple[str, list[str]]:
    """Change the (locked) ticket's status in memory, with the timestamps the move
    sets and the snooze it ends: the old status and the fields to save."""
    old = ticket.status
    workflow.check_transition(old, to)
    ticket.status = to
    ticket.resolved_at, ticket.closed_at = workflow.timestamps_after(
        old=old,
        new=to,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        now=now,
    )
    fields = ["status", "resolved_at", "closed_at"]
    if to not in workflow.ACTIVE_STATUSES and ticket.snoozed_until is not None:
        ticket.snoozed_until = None
        fields.append("snoozed_until")
    return old, fields


def _status_comment(ticket: Ticket, actor: Actor | None, comment: str) -> Comment:
    return Comment(
        ticket=ticket,
        author=actor_user(actor),
        author_label=actor_label(actor),
        body=comment,
    )


def ticket_change_status(
    *,
    ticket: Ticket,
    to: str,
    actor: Actor | None,
    comment: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Move the ticket along the state machine, optionally explaining why.

    The comment is kept as an internal comment and on the event. Leaving the active
    statuses ends a snooze.
    """
    comment = _check_comment(comment)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        old, fields = _move(ticket, to, timezone.now())
        _save(ticket, actor, fields, reason=comment or f"status {old} -> {to}")
        if comment:
            _status_comment(ticket, actor, comment).save()
        events.record(
            ticket,
            TicketEvent.Kind.STATUS_CHANGED,
            actor,
            old=old,
            new=to,
            comment=comment,
        )
    return ticket


MOVE_TIMESTAMPS = ("resolved_at", "closed_at", "snoozed_until")


def _move_many(
    locked: Iterable[Ticket], to: str, now: datetime
) -> tuple[dict[int, str], list[tuple[Ticket, str]], dict[tuple, list[int]]]:
    """Move the locked tickets in memory: why each refused one stays, the moved
    ones with their old status, and their ids by the timestamps the move changed."""
    refused: dict[int, str] = {}
    moved: list[tuple[Ticket, str]] = []
    # One UPDATE per set of timestamp changes (resolved now, reopened, ...): a few
    # statements, where bulk_update's CASE per row and field took seconds.
    updates: dict[tuple, list[int]] = defaultdict(list)
    for ticket in locked:
        before = {name: getattr(ticket, name) for name in MOVE_TIMESTAMPS}
        try:
            old, _fields = _move(ticket, to, now)
        except workflow.InvalidTransition as exc:
            refused[ticket.pk] = exc.message
            continue
        ticket.version += 1  # the row is locked: the stored version + 1
        ticket.updated_at = now
        moved.append((ticket, old))
        changed = tuple(
            (name, getattr(ticket, name))
            for name in MOVE_TIMESTAMPS
            if getattr(ticket, name) != before[name]
        )
        updates[changed].append(ticket.pk)
    return refused, moved, updates


def tickets_change_status(
    *, tickets: list[Ticket], to: str, actor: Actor | None, comment: str = ""
) -> dict[int, str]:
    """ticket_change_status for many tickets (bulk actions) in a few statements:
    the same row change, history row, comment and event per ticket.

    Returns why each refused ticket (a move the state machine forbids) was left
    alone, by ticket id; every other ticket is moved.
    """
    comment = _check_comment(comment)
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related(*LOCKED_WITH)
            .filter(pk__in=[ticket.pk for ticket in tickets])
            .order_by("pk")  # one lock order for every bulk change: no deadlock
        )
        refused, moved, updates = _move_many(locked, to, now)
        if not moved:
            return refused
        for changed, ids in updates.items():
            Ticket.objects.filter(pk__in=ids).update(
                status=to, version=F("version") + 1, updated_at=now, **dict(changed)
            )
        Ticket.history.bulk_history_create(
            [ticket for ticket, _old in moved],
            update=True,
            default_user=actor_user(actor),
            default_change_reason=(comment or f"status -> {to}")[:100],
            default_date=now,
        )
        if comment:
            Comment.objects.bulk_create(
                _status_comment(ticket, actor, comment) for ticket, _old in moved
            )
        events.record_many(
            [
                (
                    ticket,
                    TicketEvent.Kind.STATUS_CHANGED,
                    {"old": old, "new": to, "comment": comment},
                )
                for ticket, old in moved
            ],
            actor,
        )
    return refused


def ticket_complete(*, ticket: Ticket, actor: Actor | None, **kw) -> Ticket:
    return ticket_change_status(
        ticket=ticket, to=workflow.Status.RESOLVED, actor=actor, **kw
    )


def ticket_incomplete(*, ticket: Ticket, actor: Actor | None, **kw) -> Ticket:
    return ticket_change_status(
        ticket=ticket, to=workflow.Status.OPEN, actor=actor, **kw
    )
