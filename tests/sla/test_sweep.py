"""What the sweep writes for a due clock, to the letter: the event (its data) and
the notifications (who gets one, their subject and body), on PostgreSQL and SQLite
alike (the database writes them: sla.services.sweep)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from helpdesk.models import Notification
from sla import services as sla_services
from sla.models import SlaTarget
from tests.factories import MembershipFactory, TeamFactory, make_ticket
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

# Microseconds on purpose: isoformat() writes them only when they are not zero.
T0 = datetime(2024, 3, 4, 9, 0, 0, 250000, tzinfo=UTC)
SUBJECT = 'Refund, "urgent" ü'


def _notes(kind):
    return sorted(
        (n.recipient.username, n.subject, n.body, n.ticket.number, n.state)
        for n in Notification.objects.filter(kind=kind).select_related(
            "recipient", "ticket"
        )
    )


def test_breach_event_and_notices_say_the_metric_ref_subject_and_due_time(
    workspace, agent, manager, other_workspace, policy
):
    boss = MembershipFactory(
        workspace=workspace, role="admin", user__username="boss"
    ).user
    gone = MembershipFactory(
        workspace=workspace, role="manager", user__username="gone"
    ).user
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    # A manager elsewhere only: an agent here, not told as a manager.
    outsider = MembershipFactory(
        workspace=other_workspace, role="manager", user__username="outsider"
    ).user
    MembershipFactory(workspace=workspace, user=outsider, role="agent")
    team = TeamFactory(workspace=workspace)
    team.members.add(agent, manager, boss, gone, outsider)
    with time_machine.travel(T0, tick=False):
        # The assignee is also a manager of the team: one notice, not two.
        ticket = make_ticket(
            workspace, agent, subject=SUBJECT, assignee=manager, team=team
        )
    SlaTarget.objects.filter(ticket=ticket, metric="first_response").delete()

    swept = sla_services.sla_sweep(now=T0 + timedelta(hours=9))

    assert swept == {"breached": 1, "warned": 0}
    event = ticket.events.get(kind=TicketEvent.Kind.SLA_BREACHED)
    assert (event.actor_id, event.actor_label, event.ticket_number) == (None, "SLA", 1)
    assert event.data == {
        "metric": "resolution",
        "due_at": "2024-03-04T17:00:00.250000+00:00",
    }
    subject = 'SLA breached: Resolution on TKT-1 Refund, "urgent" ü'
    body = (
        'Resolution on TKT-1 Refund, "urgent" ü is due at '
        "2024-03-04T17:00:00.250000+00:00."
    )
    assert _notes("sla_breached") == [
        ("boss", subject, body, 1, "pending"),
        ("manager", subject, body, 1, "pending"),
    ]
    target = SlaTarget.objects.get(ticket=ticket)
    assert target.breached_at == target.warned_at == T0 + timedelta(hours=9)


def test_warning_goes_to_the_assignee_only_with_a_subject_cut_at_200(
    workspace, agent, manager, policy
):
    team = TeamFactory(workspace=workspace)
    team.members.add(manager)
    start = T0.replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        ticket = make_ticket(
            workspace, agent, subject="x" * 195, assignee=agent, team=team
        )
    SlaTarget.objects.filter(ticket=ticket, metric="resolution").delete()

    swept = sla_services.sla_sweep(now=start + timedelta(minutes=50))

    assert swept == {"breached": 0, "warned": 1}
    event = ticket.events.get(kind=TicketEvent.Kind.SLA_WARNING)
    assert event.data == {
        "metric": "first_response",
        "due_at": "2024-03-04T10:00:00+00:00",
    }
    [(recipient, subject, body, _, _)] = _notes("sla_warning")
    assert recipient == "agent"
    assert subject == ("SLA at risk: First response on TKT-1 " + "x" * 195)[:200]
    assert len(subject) == 200
    assert body == (
        f"First response on TKT-1 {'x' * 195} is due at 2024-03-04T10:00:00+00:00."
    )


def test_an_unassigned_ticket_without_team_breaches_without_notices(workspace, policy):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(workspace)
    assert (ticket.assignee_id, ticket.team_id) == (None, None)

    swept = sla_services.sla_sweep(now=T0 + timedelta(days=1))

    assert swept == {"breached": 2, "warned": 0}
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 2
    assert not Notification.objects.filter(kind="sla_breached").exists()
