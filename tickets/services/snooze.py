"""Snoozing a ticket, ending a snooze, and waking many due tickets at once."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from helpdesk.actors import Actor, actor_user
from tickets import events, workflow
from tickets.models import Ticket, TicketEvent
from tickets.services._common import _lock, _save


def ticket_snooze(*, ticket: Ticket, until: datetime, actor: Actor | None) -> Ticket:
    """Hide the ticket from active views until `until`."""
    if until is None or timezone.is_naive(until):
        raise ValidationError({"until": ["Give a date and time with a time zone."]})
    if until <= timezone.now():
        raise ValidationError({"until": ["The snooze must end in the future."]})
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status not in workflow.ACTIVE_STATUSES:
            raise ValidationError(
                {
                    "status": [
                        f"A {workflow.label(ticket.status)} ticket cannot be snoozed."
                    ]
                }
            )
        ticket.snoozed_until = until
        _save(
            ticket,
            actor,
            ["snoozed_until"],
            reason=f"snoozed until {until.isoformat()}",
        )
        events.record(ticket, TicketEvent.Kind.SNOOZED, actor, until=until.isoformat())
    return ticket


def ticket_unsnooze(
    *, ticket: Ticket, actor: Actor | None, kind: str = TicketEvent.Kind.UNSNOOZED
) -> Ticket:
    """End a snooze now: by hand, on a customer reply, or `kind=WOKE` when due."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.snoozed_until is None:
            return ticket
        until = ticket.snoozed_until
        ticket.snoozed_until = None
        _save(
            ticket,
            actor,
            ["snoozed_until"],
            reason="woke up" if kind == "woke" else "unsnoozed",
        )
        events.record(ticket, kind, actor, was_until=until.isoformat())
    return ticket


def tickets_wake(*, tickets: list[Ticket], actor: Actor | None) -> None:
    """Wake many due tickets at once (the snooze sweep), locked by the caller: the
    same row change, history row and "Woke up" event per ticket as ticket_unsnooze,
    in a few statements instead of a transaction each."""
    now = timezone.now()
    was_until = {ticket.pk: ticket.snoozed_until for ticket in tickets}
    for ticket in tickets:
        ticket.snoozed_until = None
        ticket.version += 1  # the row is locked, so this is the stored version + 1
        ticket.updated_at = now
    bulk_update_with_history(
        tickets,
        Ticket,
        ["snoozed_until", "version", "updated_at"],
        default_user=actor_user(actor),
        default_change_reason="woke up",
        default_date=now,
    )
    events.record_many(
        [
            (
                ticket,
                TicketEvent.Kind.WOKE,
                {"was_until": was_until[ticket.pk].isoformat()},
            )
            for ticket in tickets
        ],
        actor,
    )
