"""Pinned query counts of write paths `make bench` measures (bench/results.md): a
create and a transition cost a fixed number, the snooze wake-up the same for 1 or 50
tickets. The escalation and the detail panel are pinned beside their other tests."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import BASE
from tests.factories import make_ticket
from tests.querycount import assert_same_cost, statements
from tests.sla.conftest import make_policy
from tests.ui.test_tickets_page import make_rows
from tickets import services
from tickets.models import Ticket
from tickets.tasks import wake_due_tickets

pytestmark = pytest.mark.django_db

# A ticket created through the API under an SLA policy (two clocks):
CREATE_STATEMENTS = [
    "SELECT helpdesk_membership",  # the caller's membership and workspace
    "UPDATE helpdesk_workspace",  # the ticket number, RETURNING it
    "INSERT tickets_ticket",  # with its next breach, planned by the SLA
    "INSERT tickets_historicalticket",  # its history row
    "INSERT sla_slatarget",  # both clocks
    "INSERT tickets_ticketevent",  # created and SLA applied
    "SELECT integrations_connection",  # the sync outbox: who to push to
    # the answer, as GET .../tickets/<n>/ gives it:
    "SELECT tickets_comment",  # the ticket (its first table is a comment count)
    "SELECT tickets_tag",
    "SELECT sla_slatarget",
    "SELECT integrations_externallink",
    "SELECT tickets_conversation",
]
TRANSITION_QUERIES = 23
WAKE_QUERIES = 8


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@pytest.fixture
def busy(workspace, agent):
    """A workspace with an SLA policy and rows around, as the bench has."""
    make_policy(workspace)
    make_rows(workspace, agent, 30)
    return workspace


def test_create_and_transition(api, busy):
    def create():
        response = api.post(
            f"{BASE}/tickets/", {"subject": "Printer", "priority": 3}, format="json"
        )
        assert response.status_code == 201
        return response.json()["number"]

    create()  # warm per-process caches (the SLA policies)
    numbers = []
    with CaptureQueriesContext(connection) as captured:
        numbers.append(create())
    assert statements(captured) == CREATE_STATEMENTS
    assert len(captured) == len(CREATE_STATEMENTS)  # and no savepoints

    def transition():
        response = api.post(
            f"{BASE}/tickets/{numbers[0]}/transition/",
            {"status": "in_progress"},
            format="json",
        )
        assert response.status_code == 200

    assert _queries(transition) == TRANSITION_QUERIES


def test_snooze_wake_costs_the_same_for_1_and_50_tickets(busy, agent):
    def wake(count) -> int:
        tickets = [make_ticket(busy, agent) for _ in range(count)]
        for ticket in tickets:
            services.ticket_snooze(
                ticket=ticket, until=timezone.now() + timedelta(hours=1), actor=agent
            )
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
            snoozed_until=timezone.now() - timedelta(seconds=1)
        )
        woken = []
        queries = _queries(lambda: woken.append(wake_due_tickets()))
        assert woken == [count]
        return queries

    assert_same_cost(wake(1), wake(50), WAKE_QUERIES)
