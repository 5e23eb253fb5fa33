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
from tests.querycount import assert_same_cost
from tests.sla.conftest import make_policy
from tests.ui.test_tickets_page import make_rows
from tickets import services
from tickets.models import Ticket
from tickets.tasks import wake_due_tickets

pytestmark = pytest.mark.django_db

CREATE_QUERIES = 22
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

    create()  # warm per-process caches
    numbers = []
    assert _queries(lambda: numbers.append(create())) == CREATE_QUERIES

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
