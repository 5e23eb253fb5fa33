"""Ticket jobs run by Celery: the snooze wake-up sweep, escalation-claim pruning."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import SNOOZE_ACTOR
from tickets import services
from tickets.intake import service
from tickets.models import Ticket

SWEEP_BATCH = 500


def wake_due_tickets(*, now=None, batch: int = SWEEP_BATCH) -> int:
    """Wake every ticket whose snooze has ended; returns how many woke.

    Batch by batch, each in its own transaction: the due rows are claimed under
    their row locks (SKIP LOCKED: a concurrent sweep takes other rows) through the
    partial index ticket_snoozed_due, and woken in bulk statements that clear
    snoozed_until with the "Woke up" events, so two sweeps at once wake each ticket
    exactly once.
    """
    now = now or timezone.now()
    woke = 0
    while True:
        with transaction.atomic():
            due = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("workspace", "assignee")
                .filter(snoozed_until__lte=now)
                .order_by("snoozed_until", "id")[:batch]
            )
            if due:
                services.tickets_wake(tickets=due, actor=SNOOZE_ACTOR)
        woke += len(due)
        if len(due) < batch:
            return woke


@shared_task(name="tickets.wake_snoozed", acks_late=True, ignore_result=True)
def wake_snoozed() -> int:
    """Beat job: wake snoozed tickets that are due."""
    return wake_due_tickets()


@shared_task(name="tickets.prune_escalation_claims", ignore_result=True)
def prune_escalation_claims() -> int:
    """Beat job: forget escalation idempotency claims older than a week."""
    return service.escalation_intake_prune()
