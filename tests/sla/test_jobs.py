"""Sweeps called directly: snooze wake-ups, notification delivery, sweep cost."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk import notifications
from helpdesk.models import Notification
from sla import services as sla_services
from sla.models import SlaTarget
from tests.factories import MembershipFactory, make_ticket
from tests.querycount import assert_same_cost
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.tasks import wake_due_tickets

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def test_snoozed_ticket_wakes_once_with_event_and_notification(workspace, agent):
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = make_ticket(workspace, agent)
        services.ticket_snooze(
            ticket=ticket, until=T0 + timedelta(minutes=5), actor=agent
        )
        assert wake_due_tickets() == 0
        traveller.move_to(T0 + timedelta(minutes=6))
        assert wake_due_tickets() == 1
        assert wake_due_tickets() == 0
    ticket.refresh_from_db()
    assert ticket.snoozed_until is None
    woke = ticket.events.filter(kind=TicketEvent.Kind.WOKE)
    assert [e.actor_label for e in woke] == ["Snooze"]
    assert Notification.objects.filter(kind="woke", recipient=agent).count() == 1


def test_assignment_notifies_the_new_assignee_but_not_oneself(workspace, agent):
    other = MembershipFactory(workspace=workspace, user__username="other").user
    ticket = make_ticket(workspace, agent)
    services.ticket_assign(ticket=ticket, assignee=other, actor=agent)
    services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    sent_to = list(
        Notification.objects.filter(kind="assigned").values_list(
            "recipient__username", flat=True
        )
    )
    assert sent_to == ["other"]


def test_mention_notifies_the_mentioned_member(workspace, agent, manager):
    ticket = make_ticket(workspace, agent)
    services.comment_add(ticket=ticket, actor=agent, body="@manager please look")
    note = Notification.objects.get(kind="mentioned")
    assert note.recipient == manager
    assert "please look" in note.body


def test_delivery_sends_each_notification_once(workspace, agent, manager):
    ticket = make_ticket(workspace, agent)
    services.ticket_assign(ticket=ticket, assignee=manager, actor=agent)
    services.comment_add(ticket=ticket, actor=manager, body="cc @agent")
    assert notifications.deliver_pending() == 2
    assert notifications.deliver_pending() == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent@example.com",
        "manager@example.com",
    ]
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_failed_delivery_is_retried_then_given_up(workspace, agent, manager, settings):
    ticket = make_ticket(workspace, agent)
    services.ticket_assign(ticket=ticket, assignee=manager, actor=agent)
    settings.EMAIL_BACKEND = "tests.sla.test_jobs.BrokenBackend"
    for _attempt in range(notifications.MAX_ATTEMPTS):
        assert notifications.deliver_pending() == 0
    note = Notification.objects.get()
    assert (note.state, note.attempts) == ("failed", notifications.MAX_ATTEMPTS)
    assert "SMTP down" in note.last_error


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def _sweep_queries(now) -> int:
    with CaptureQueriesContext(connection) as captured:
        sla_sweep_result = sla_services.sla_sweep(now=now)
    assert sla_sweep_result == {"breached": 1, "warned": 0}
    return len(captured.captured_queries)


def _add_idle_clocks(workspace, count, first_number, now):
    """Tickets whose clocks are not due (fulfilled), as a big table would hold."""
    tickets = Ticket.objects.bulk_create(
        Ticket(workspace=workspace, number=first_number + i, subject=f"idle {i}")
        for i in range(count)
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(
            workspace=workspace,
            ticket=ticket,
            metric="resolution",
            target_seconds=60,
            started_at=now,
            due_at=now,
            warn_at=now,
            fulfilled_at=now,
        )
        for ticket in tickets
    )


@pytest.mark.django_db
def test_sweep_query_count_does_not_grow_with_the_table(workspace, agent, policy):
    later = T0 + timedelta(days=1)
    with time_machine.travel(T0, tick=False):
        small = make_ticket(workspace, agent, subject="small table")
        SlaTarget.objects.filter(ticket=small, metric="resolution").delete()
    _add_idle_clocks(workspace, 10, 10_000, T0)
    queries_small = _sweep_queries(later)

    with time_machine.travel(T0, tick=False):
        big = make_ticket(workspace, agent, subject="big table")
        SlaTarget.objects.filter(ticket=big, metric="resolution").delete()
    _add_idle_clocks(workspace, 2000, 20_000, T0)
    queries_big = _sweep_queries(later)
    assert queries_big == queries_small


def test_ticket_created_for_someone_else_notifies_them(workspace, agent, manager):
    make_ticket(workspace, agent, assignee=manager)
    make_ticket(workspace, agent)  # assigned to its author: no e-mail
    sent_to = list(
        Notification.objects.filter(kind="assigned").values_list(
            "recipient__username", flat=True
        )
    )
    assert sent_to == ["manager"]


# Per batch kind (breaches, then warnings): a SAVEPOINT and its RELEASE around the
# batch; on PostgreSQL one statement flips the clocks and writes their events and
# notifications, on SQLite three; the breaches' events reach the sync outbox's
# handler, which reads the push connections once.
SWEEP_QUERIES = {"postgresql": (2 + 1 + 1) + (2 + 1), "sqlite": (2 + 3 + 1) + (2 + 3)}


@pytest.mark.django_db
def test_a_sweep_costs_the_same_for_1_and_50_breaches(
    workspace, agent, manager, policy
):
    from tests.factories import TeamFactory

    team = TeamFactory(workspace=workspace)
    team.members.add(agent, manager)

    def sweep_of(count, day):
        start = T0 + timedelta(days=day)
        with time_machine.travel(start, tick=False):
            for _ in range(count):
                make_ticket(workspace, agent, assignee=agent, team=team)
        with CaptureQueriesContext(connection) as captured:
            swept = sla_services.sla_sweep(now=start + timedelta(hours=9))
        # first response and resolution of each ticket; each one e-mail to the
        # assignee and one to the team's manager
        assert swept == {"breached": 2 * count, "warned": 0}
        return len(captured.captured_queries)

    one, fifty = sweep_of(1, 0), sweep_of(50, 1)
    assert_same_cost(one, fifty, SWEEP_QUERIES[connection.vendor])
    assert Notification.objects.filter(kind="sla_breached").count() == 2 * 51 * 2
