"""Routing: who in a team gets a new ticket.

Per team (`Team.routing`): round-robin over the available members, least-active (the
available member with the fewest open and in-progress tickets), or nobody. Members
are eligible when their membership in the team's workspace is available. Each pick
is made while the team row is locked, so concurrent intakes never take the same turn
or see a stale count. A ticket routed later is assigned by
`tickets.services.ticket_assign`, with its "Assigned" event (`via: routing`) and
history row; the intake picks before it opens the ticket, which is then created
assigned, with the same event (`route_new`).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from helpdesk.actors import ROUTING_ACTOR, Actor, actor_label
from helpdesk.models import Membership, Team
from tickets import services, workflow
from tickets.models import Ticket, TicketEvent

User = get_user_model()

# The tickets that count as a member's current load.
LOAD_STATUSES = (workflow.Status.OPEN, workflow.Status.IN_PROGRESS)


def available_members(team: Team) -> list:
    """The team's members who are available in its workspace, by user id."""
    user_ids = Membership.objects.filter(
        workspace_id=team.workspace_id,
        is_available=True,
        user__in=team.members.all(),
        user__is_active=True,
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))


def _next_round_robin(team: Team, members: list):
    """The member after the one who got the last ticket (wrapping), by user id."""
    last = team.routing_last_user_id
    if last is not None:
        for member in members:
            if member.pk > last:
                return member
    return members[0]


def _least_active(team: Team, members: list):
    """The member with the fewest open and in-progress tickets in the workspace;
    ties go to the member whose turn is next in round-robin order."""
    loads = dict(
        Ticket.objects.filter(
            workspace_id=team.workspace_id,
            assignee__in=members,
            status__in=LOAD_STATUSES,
        )
        .values("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    lowest = min(loads.get(m.pk, 0) for m in members)
    candidates = [m for m in members if loads.get(m.pk, 0) == lowest]
    return _next_round_robin(team, candidates)


def _locked_pick(team: Team) -> tuple[Team, Any]:
    """The team, locked and read again, and its next assignee (turn taken) or None."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.routing == Team.Routing.NONE:
        return team, None
    members = available_members(team)
    if not members:
        return team, None
    if team.routing == Team.Routing.LEAST_ACTIVE:
        member = _least_active(team, members)
    else:
        member = _next_round_robin(team, members)
    Team.objects.filter(pk=team.pk).update(routing_last_user=member)
    return team, member


def pick_assignee(team: Team):
    """Choose (and take the turn of) the next assignee in `team`, or None.

    Must run inside a transaction: the team row stays locked until it ends.
    """
    return _locked_pick(team)[1]


def route_new(team: Team) -> tuple[Any, tuple[str, dict, Actor]] | None:
    """For a ticket about to be opened in `team`: its assignee and the ASSIGNED
    event (kind, data, actor) to record with its creation; None when the team
    does not route or nobody is available. Inside a transaction, as above."""
    team, member = _locked_pick(team)
    if member is None:
        return None
    data = {
        "old": None,
        "new": {"id": member.pk, "name": actor_label(member)},
        "via": "routing",
        "strategy": team.routing,
        "team": {"id": team.pk, "name": team.name},
    }
    return member, (TicketEvent.Kind.ASSIGNED, data, ROUTING_ACTOR)


def ticket_route(*, ticket: Ticket, actor: Actor | None = ROUTING_ACTOR) -> Ticket:
    """Assign the ticket within its team by the team's routing strategy.

    A ticket without a team, a team that does not route, or a team with nobody
    available stays as it is.
    """
    if ticket.team_id is None:
        return ticket
    with transaction.atomic():
        team = Team.objects.get(pk=ticket.team_id)
        assignee = pick_assignee(team)
        if assignee is None:
            return ticket
        return services.ticket_assign(
            ticket=ticket,
            assignee=assignee,
            actor=actor,
            event_data={
                "via": "routing",
                "strategy": team.routing,
                "team": {"id": team.pk, "name": team.name},
            },
        )
