"""Sweeps racing each other in threads (one database connection each) mark every
row exactly once: SKIP LOCKED plus compare-and-swap on PostgreSQL, serialised
IMMEDIATE transactions on SQLite."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpdesk import notifications
from helpdesk.models import Notification
from sla import services as sla_services
from sla.models import SlaTarget
from tests.factories import MembershipFactory, make_ticket
from tests.sla.conftest import make_policy
from tickets import services
from tickets.models import TicketEvent
from tickets.tasks import wake_due_tickets

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 4


def race(job) -> list:
    barrier = threading.Barrier(RACERS)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(job())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_racing_sweeps_breach_and_wake_each_ticket_once(workspace, agent):
    make_policy(workspace, targets={3: (1, 0, 0)})
    other = MembershipFactory(workspace=workspace, user__username="other").user
    tickets = [make_ticket(workspace, agent, subject=f"t{i}") for i in range(12)]
    for ticket in tickets:
        services.ticket_assign(ticket=ticket, assignee=other, actor=agent)
        services.ticket_snooze(
            ticket=ticket, until=timezone.now() + timedelta(hours=1), actor=agent
        )
    later = timezone.now() + timedelta(hours=2)
    ids = [t.pk for t in tickets]

    breaches = race(lambda: sla_services.sla_sweep(now=later)["breached"])
    woken = race(lambda: wake_due_tickets(now=later))
    sent = race(notifications.deliver_pending)

    assert sum(breaches) == 12
    assert sum(woken) == 12
    events = TicketEvent.objects.filter(ticket_id__in=ids)
    assert events.filter(kind=TicketEvent.Kind.SLA_BREACHED).count() == 12
    assert events.filter(kind=TicketEvent.Kind.WOKE).count() == 12
    assert SlaTarget.objects.filter(breached_at__isnull=True).count() == 0
    # 12 assignments, 12 breaches and 12 wake-ups for "other": each sent once.
    assert sum(sent) == Notification.objects.filter(state="sent").count() == 36
