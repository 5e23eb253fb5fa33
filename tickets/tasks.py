"""Ticket jobs run by Celery: the snooze wake-up sweep, escalation-claim pruning."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import SNOOZE_ACTOR
from tickets import escalation, services
from tickets.models import Ticket, TicketEvent

SWEEP_LIMIT = 500


def wake_due_tickets(*, now=None, limit: int = SWEEP_LIMIT) -> int:
    """Wake every ticket whose snooze has ended; returns how many woke.

    Reads through the partial index ticket_snoozed_due. Each ticket is claimed under
    its row lock (SKIP LOCKED: a concurrent sweep moves on) and re-checked while
    locked, and ticket_unsnooze clears snoozed_until in the same transaction as the
    "Woke up" event, so two sweeps at once wake each ticket exactly once.
    """
    now = now or timezone.now()
    due = list(
        Ticket.objects.filter(snoozed_until__lte=now)
        .order_by("snoozed_until", "id")
        .values_list("pk", flat=True)[:limit]
    )
    woke = 0
    for pk in due:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, snoozed_until__lte=now)
                .first()
            )
            if ticket is None:
                continue  # woken, re-snoozed or being handled by another sweep
            services.ticket_unsnooze(
                ticket=ticket, actor=SNOOZE_ACTOR, kind=TicketEvent.Kind.WOKE
            )
            woke += 1
    return woke


@shared_task(name="tickets.wake_snoozed", acks_late=True, ignore_result=True)
def wake_snoozed() -> int:
    """Beat job: wake snoozed tickets that are due."""
    return wake_due_tickets()


@shared_task(name="tickets.prune_escalation_claims", ignore_result=True)
def prune_escalation_claims() -> int:
    """Beat job: forget escalation idempotency claims older than a week."""
    return escalation.escalation_intake_prune()
