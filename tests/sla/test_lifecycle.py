"""The life of a ticket under an SLA policy, through the ticket services."""

from datetime import UTC, datetime, timedelta

import time_machine

from helpdesk.actors import AI_AGENT, CUSTOMER_ACTOR
from helpdesk.models import Notification
from sla import services as sla_services
from sla.models import SlaTarget
from tests.factories import LabelFactory, TeamFactory, make_ticket
from tests.sla.conftest import make_office_calendar, make_policy
from tickets import events, services
from tickets.models import TicketEvent

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday
M = timedelta(minutes=1)
H = timedelta(hours=1)


def clock(ticket, metric):
    return SlaTarget.objects.get(ticket=ticket, metric=metric)


def state(ticket, metric, now):
    return clock(ticket, metric).state_at(now)


def kinds(ticket):
    return list(ticket.events.values_list("kind", flat=True))


def test_full_life_of_a_ticket_under_a_policy(workspace, agent, policy):
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = make_ticket(workspace, agent)
        # Applied: first response and resolution clocks start at creation.
        assert clock(ticket, "first_response").due_at == T0 + H
        assert clock(ticket, "resolution").due_at == T0 + 8 * H
        applied = ticket.events.get(kind=TicketEvent.Kind.SLA_APPLIED)
        assert applied.data["policy"] == "Standard"
        assert applied.actor_label == "SLA"

        traveller.move_to(T0 + 30 * M)
        services.comment_add(ticket=ticket, actor=agent, body="On it", is_public=True)
        assert clock(ticket, "first_response").fulfilled_at == T0 + 30 * M
        assert state(ticket, "first_response", T0 + 30 * M) == "fulfilled"

        # Waiting on the contact pauses resolution; going back resumes it.
        traveller.move_to(T0 + H)
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=agent
        )
        assert state(ticket, "resolution", T0 + 2 * H) == "paused"
        traveller.move_to(T0 + 3 * H)
        services.ticket_change_status(ticket=ticket, to="open", actor=agent)
        resolution = clock(ticket, "resolution")
        assert resolution.paused_seconds == 2 * 3600
        assert resolution.due_at == T0 + 10 * H

        # Resolving fulfils; reopening resumes, the resolved hour counting as paused.
        traveller.move_to(T0 + 4 * H)
        services.ticket_complete(ticket=ticket, actor=agent)
        assert state(ticket, "resolution", T0 + 4 * H) == "fulfilled"
        traveller.move_to(T0 + 5 * H)
        services.ticket_incomplete(ticket=ticket, actor=agent)
        resolution = clock(ticket, "resolution")
        assert resolution.fulfilled_at is None
        assert resolution.due_at == T0 + 11 * H
        assert resolution.state_at(T0 + 5 * H) == "on_track"

        # Urgent priority re-targets resolution to 2 hours: 3 h paused -> due T0+5h.
        services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
        assert clock(ticket, "resolution").due_at == T0 + 5 * H
        assert clock(ticket, "resolution").target_seconds == 2 * 3600

        # The sweep marks the breach exactly once.
        traveller.move_to(T0 + 5 * H + M)
        assert sla_services.sla_sweep()["breached"] == 1
        assert sla_services.sla_sweep()["breached"] == 0
        assert kinds(ticket).count(TicketEvent.Kind.SLA_BREACHED) == 1
        assert state(ticket, "resolution", T0 + 5 * H + M) == "breached"

        # Resolving now is a late fulfilment.
        traveller.move_to(T0 + 6 * H)
        services.ticket_complete(ticket=ticket, actor=agent)
        assert state(ticket, "resolution", T0 + 6 * H) == "fulfilled_late"
        assert state(ticket, "first_response", T0 + 6 * H) == "fulfilled"


def test_warning_comes_in_the_last_quarter_and_only_once(workspace, agent, policy):
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = make_ticket(workspace, agent)
        assert clock(ticket, "first_response").warn_at == T0 + 45 * M
        traveller.move_to(T0 + 44 * M)
        assert sla_services.sla_sweep() == {"breached": 0, "warned": 0}
        traveller.move_to(T0 + 46 * M)
        assert sla_services.sla_sweep() == {"breached": 0, "warned": 1}
        assert sla_services.sla_sweep() == {"breached": 0, "warned": 0}
        assert state(ticket, "first_response", T0 + 46 * M) == "at_risk"
        assert kinds(ticket).count(TicketEvent.Kind.SLA_WARNING) == 1


def test_internal_note_does_not_fulfil_first_response(workspace, agent, policy):
    ticket = make_ticket(workspace, agent)
    services.comment_add(ticket=ticket, actor=agent, body="note to self")
    assert clock(ticket, "first_response").fulfilled_at is None


def test_internal_note_fulfils_when_the_policy_says_so(workspace, agent):
    make_policy(workspace, internal_notes_fulfil=True)
    ticket = make_ticket(workspace, agent)
    services.comment_add(ticket=ticket, actor=agent, body="called them")
    assert clock(ticket, "first_response").fulfilled_at is not None


def test_ai_comment_is_not_an_agent_response(workspace, policy):
    ticket = make_ticket(workspace, None)
    services.comment_add(ticket=ticket, actor=AI_AGENT, body="Hi", is_public=True)
    assert clock(ticket, "first_response").fulfilled_at is None


def test_each_customer_message_starts_a_next_response_cycle(workspace, agent, policy):
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = make_ticket(workspace, agent)
        assert not SlaTarget.objects.filter(ticket=ticket, metric="next_response")
        traveller.move_to(T0 + H)
        events.record(ticket, TicketEvent.Kind.CUSTOMER_REPLIED, CUSTOMER_ACTOR)
        assert clock(ticket, "next_response").due_at == T0 + H + 30 * M
        # A second unanswered message keeps the oldest one's clock.
        traveller.move_to(T0 + H + 10 * M)
        events.record(ticket, TicketEvent.Kind.CUSTOMER_REPLIED, CUSTOMER_ACTOR)
        assert clock(ticket, "next_response").due_at == T0 + H + 30 * M
        traveller.move_to(T0 + H + 40 * M)
        services.comment_add(ticket=ticket, actor=agent, body="Done", is_public=True)
        assert state(ticket, "next_response", T0 + 2 * H) == "fulfilled_late"
        traveller.move_to(T0 + 3 * H)
        events.record(ticket, TicketEvent.Kind.CUSTOMER_REPLIED, CUSTOMER_ACTOR)
        second = clock(ticket, "next_response")
        assert (second.cycle, second.due_at) == (2, T0 + 3 * H + 30 * M)
        assert second.state_at(T0 + 3 * H) == "on_track"


def test_customer_reply_event_starts_a_clock_and_leaves_the_snooze(
    workspace, agent, policy
):
    """The SLA handler only moves clocks: waking a snoozed ticket on a customer
    reply is the intake's one path (tests/intake/test_wake_on_reply.py)."""
    ticket = make_ticket(workspace, agent)
    until = datetime(2999, 1, 1, tzinfo=UTC)
    services.ticket_snooze(ticket=ticket, until=until, actor=agent)
    events.record(ticket, TicketEvent.Kind.CUSTOMER_REPLIED, CUSTOMER_ACTOR)
    ticket.refresh_from_db()
    assert ticket.snoozed_until == until
    assert TicketEvent.Kind.UNSNOOZED not in kinds(ticket)
    assert clock(ticket, "next_response").fulfilled_at is None


def test_business_hours_target_skips_the_weekend(workspace, agent):
    calendar = make_office_calendar(workspace, tz="Europe/Berlin")
    make_policy(workspace, calendar=calendar, business_hours=True)
    friday_4pm = datetime(2024, 3, 8, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    with time_machine.travel(friday_4pm, tick=False):
        ticket = make_ticket(workspace, agent)
    # 60 business minutes: 16:00-17:00 Friday, so due at 17:00 Berlin on Friday;
    # 8 hours resolution: 1 h Friday + 7 h Monday -> Monday 16:00 Berlin.
    assert clock(ticket, "first_response").due_at == datetime(
        2024, 3, 8, 16, 0, tzinfo=UTC
    )
    assert clock(ticket, "resolution").due_at == datetime(
        2024, 3, 11, 15, 0, tzinfo=UTC
    )


def test_first_matching_policy_wins_and_changes_retarget(workspace, agent):
    billing = LabelFactory(workspace=workspace, name="Billing")
    refund = LabelFactory(workspace=workspace, name="Refund", parent=billing)
    team = TeamFactory(workspace=workspace)
    make_policy(workspace, name="Fallback", position=9)
    make_policy(
        workspace,
        name="Billing team",
        position=1,
        conditions={"label": [billing.pk], "team": [team.pk]},
        targets={3: (5, 5, 60)},
    )
    ticket = make_ticket(workspace, agent, label=refund)
    assert clock(ticket, "first_response").policy.name == "Fallback"
    services.ticket_set_team(ticket=ticket, team=team, actor=agent)
    first = clock(ticket, "first_response")
    assert (first.policy.name, first.target_seconds) == ("Billing team", 300)


def test_no_matching_policy_removes_running_clocks(workspace, agent):
    make_policy(workspace, conditions={"priority": [3]})
    ticket = make_ticket(workspace, agent)
    assert SlaTarget.objects.filter(ticket=ticket).count() == 2
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    assert not SlaTarget.objects.filter(ticket=ticket).exists()


def test_breach_notifies_assignee_and_team_managers(workspace, agent, manager, policy):
    team = TeamFactory(workspace=workspace)
    team.members.add(manager)
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = make_ticket(workspace, agent, team=team)
        traveller.move_to(T0 + 2 * H)
        sla_services.sla_sweep()
    breach_mails = Notification.objects.filter(kind="sla_breached")
    assert sorted(n.recipient.username for n in breach_mails) == ["agent", "manager"]
    assert all(n.ticket_id == ticket.pk for n in breach_mails)


def test_paused_clock_does_not_breach(workspace, agent, policy):
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = make_ticket(workspace, agent)
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=agent
        )
        traveller.move_to(T0 + 20 * H)
        counts = sla_services.sla_sweep()
    # first response still runs (reply clocks do not pause while waiting).
    assert counts["breached"] == 1
    assert clock(ticket, "resolution").breached_at is None


def test_new_policy_reaches_open_tickets_when_reapplied(workspace, agent):
    ticket = make_ticket(workspace, agent)
    assert not SlaTarget.objects.filter(ticket=ticket).exists()
    make_policy(workspace)
    assert sla_services.sla_reapply(workspace=workspace) == 1
    assert SlaTarget.objects.filter(ticket=ticket).count() == 2
