"""Routing within a team: round-robin, least-active, unavailable members, none."""

from collections import Counter

import pytest

from helpdesk.models import Membership, Team
from tests.factories import MembershipFactory, TeamFactory, make_ticket
from tickets.intake import routing, rules, service
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_of_five(workspace):
    team = TeamFactory(workspace=workspace, name="Support")
    members = [
        MembershipFactory(workspace=workspace, user__username=f"agent{n}").user
        for n in range(5)
    ]
    team.members.set(members)
    return team, members


def route_new(workspace, team, count):
    tickets = []
    for n in range(count):
        ticket = make_ticket(workspace, subject=f"T{n}", team=team, assignee=None)
        tickets.append(routing.ticket_route(ticket=ticket))
    return tickets


def test_round_robin_spreads_100_tickets_evenly_over_5(workspace, team_of_five):
    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.ROUND_ROBIN)
    tickets = route_new(workspace, team, 100)
    counts = Counter(t.assignee.username for t in tickets)
    assert counts == {m.username: 20 for m in members}
    # Turns go in order: agent0, agent1, ... agent4, agent0, ...
    assert [t.assignee for t in tickets[:6]] == [*members, members[0]]


def test_routing_writes_an_assigned_event_saying_routing(workspace, team_of_five):
    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.ROUND_ROBIN)
    (ticket,) = route_new(workspace, team, 1)
    event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert event.actor_label == "Routing"
    assert event.data["via"] == "routing"
    assert event.data["strategy"] == "round_robin"
    assert event.data["new"]["id"] == members[0].pk
    history = ticket.history.order_by("-history_id").first()
    assert history.assignee_id == members[0].pk


def test_least_active_balances_a_skewed_start(workspace, team_of_five):
    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.LEAST_ACTIVE)
    # agent0 already has 6 open tickets, agent1 has 3 in progress, agent2 has 2
    # resolved ones (which do not count).
    for n in range(6):
        make_ticket(workspace, subject=f"old{n}", assignee=members[0])
    for n in range(3):
        make_ticket(
            workspace, subject=f"wip{n}", assignee=members[1], status="in_progress"
        )
    for n in range(2):
        make_ticket(
            workspace, subject=f"done{n}", assignee=members[2], status="resolved"
        )
    tickets = route_new(workspace, team, 21)
    new = Counter(t.assignee.username for t in tickets)
    assert new == {"agent1": 3, "agent2": 6, "agent3": 6, "agent4": 6}
    load = Counter(
        t.assignee.username
        for t in Ticket.objects.filter(status__in=routing.LOAD_STATUSES)
    )
    assert set(load.values()) == {6}


def test_unavailable_members_get_no_tickets(workspace, team_of_five):
    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.ROUND_ROBIN)
    Membership.objects.filter(user__in=members[:2]).update(is_available=False)
    tickets = route_new(workspace, team, 30)
    counts = Counter(t.assignee.username for t in tickets)
    assert counts == {"agent2": 10, "agent3": 10, "agent4": 10}


def test_least_active_skips_unavailable_members(workspace, team_of_five):
    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.LEAST_ACTIVE)
    Membership.objects.filter(user=members[0]).update(is_available=False)
    tickets = route_new(workspace, team, 8)
    assert members[0] not in {t.assignee for t in tickets}


def test_team_member_outside_the_workspace_gets_nothing(
    workspace, other_workspace, team_of_five
):
    team, members = team_of_five
    outsider = MembershipFactory(workspace=other_workspace, user__username="zed").user
    team.members.add(outsider)
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.ROUND_ROBIN)
    tickets = route_new(workspace, team, 12)
    assert outsider not in {t.assignee for t in tickets}


def test_team_without_routing_leaves_tickets_unassigned(workspace, team_of_five):
    team, _members = team_of_five
    tickets = route_new(workspace, team, 3)
    assert {t.assignee for t in tickets} == {None}
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).exists()


def test_nobody_available_leaves_the_ticket_unassigned(workspace, team_of_five):
    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.LEAST_ACTIVE)
    Membership.objects.filter(user__in=members).update(is_available=False)
    (ticket,) = route_new(workspace, team, 1)
    assert ticket.assignee is None


def test_escalation_into_a_routed_team_is_assigned(workspace, bot, team_of_five):
    from tests.intake.conftest import payload

    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.ROUND_ROBIN)
    rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": "all", "team": team}
    )
    result = service.escalation_intake(
        workspace=workspace, actor=bot, payload=payload()
    )
    assert result.ticket.assignee == members[0]
    kinds = list(result.ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "escalated", "assigned"]


def test_manual_ticket_defaults_to_its_creator(workspace, agent):
    ticket = make_ticket(workspace, agent)
    assert ticket.assignee == agent


def test_escalations_into_a_routed_team_take_turns_notify_once_and_cost_16(
    workspace, bot, team_of_five
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helpdesk.models import Notification
    from tests.intake.conftest import payload
    from tests.querycount import statements

    team, members = team_of_five
    Team.objects.filter(pk=team.pk).update(routing=Team.Routing.ROUND_ROBIN)
    rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": "all", "team": team}
    )
    tickets = []
    for n in range(6):
        body = payload(conversation__contact={"name": "C", "email": f"c{n}@x.org"})
        with CaptureQueriesContext(connection) as captured:
            result = service.escalation_intake(
                workspace=workspace, actor=bot, payload=body
            )
        tickets.append(result.ticket)
    assert [t.assignee for t in tickets] == [*members, members[0]]
    # The 12 of an unrouted escalation (less the API's token and membership)
    # and routing: the team locked, its available members, its turn taken, the
    # assignee checked as a member, their "assigned" notification.
    assert statements(captured) == [
        "INSERT helpdesk_contact",
        "INSERT tickets_conversation",
        "INSERT tickets_message",
        "SELECT helpdesk_team",
        "SELECT auth_user",
        "UPDATE helpdesk_team",
        "SELECT helpdesk_membership",
        "UPDATE helpdesk_workspace",
        "INSERT tickets_ticket",
        "INSERT tickets_historicalticket",
        "INSERT tickets_ticketevent",
        "INSERT helpdesk_notification",
        "SELECT integrations_connection",
        "INSERT tickets_escalationintake",
    ]
    last = tickets[-1]
    assert Notification.objects.filter(ticket=last, recipient=members[0]).count() == 1
    assert last.history.count() == 1  # created assigned: one row
