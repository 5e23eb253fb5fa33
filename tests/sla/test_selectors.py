"""The ticket surface: SLA list filters, next-breach ordering, clock serializer."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sla import services as sla_services
from sla.models import SlaTarget
from sla.selectors import filter_tickets_by_sla, prefetch_sla_clocks
from sla.serializers import SlaClockSerializer
from sla.services import store_next_breach
from tests.factories import make_ticket
from tests.sla.conftest import make_policy
from tickets import services
from tickets.models import NO_BREACH, Ticket

H = timedelta(hours=1)
# Wednesday 6 March 2024, 20:00 UTC = Thursday 07:00 in Sydney (UTC+11).
NOW = datetime(2024, 3, 6, 20, 0, tzinfo=UTC)


def _ticket_due(workspace, agent, subject, due_at):
    ticket = make_ticket(workspace, agent, subject=subject)
    SlaTarget.objects.filter(ticket=ticket).update(due_at=due_at, warn_at=due_at - H)
    store_next_breach(Ticket.objects.filter(pk=ticket.pk))  # clocks moved by hand
    return ticket


@pytest.fixture
def board(workspace, agent):
    make_policy(workspace, targets={3: (0, 0, 60)})  # resolution clock only
    workspace.timezone = "Australia/Sydney"
    workspace.save()
    with time_machine.travel(NOW - 200 * H, tick=False):
        return {
            "overdue": _ticket_due(workspace, agent, "overdue", NOW - 100 * H),
            "at_risk": _ticket_due(workspace, agent, "at risk", NOW + H / 2),
            "today": _ticket_due(workspace, agent, "today", NOW + 10 * H),
            "week": _ticket_due(workspace, agent, "this week", NOW + 60 * H),
            "later": _ticket_due(workspace, agent, "next week", NOW + 200 * H),
            "none": make_ticket(workspace, agent, subject="no clock", priority=1),
        }


def _subjects(queryset):
    return sorted(queryset.values_list("subject", flat=True))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("overdue", ["overdue"]),
        ("at_risk", ["at risk"]),
        # Sydney: today is Thursday 7 March; it ends at 13:00 UTC on 7 March.
        ("due_today", ["at risk", "today"]),
        # The week ends Sunday 10 March midnight Sydney = 9 March 13:00 UTC.
        ("due_this_week", ["at risk", "this week", "today"]),
    ],
)
def test_sla_list_filters_use_the_workspace_timezone(board, workspace, value, expected):
    tickets = Ticket.objects.filter(workspace=workspace)
    result = filter_tickets_by_sla(tickets, value, workspace=workspace, now=NOW)
    assert _subjects(result) == sorted(expected)


def test_unknown_sla_filter_is_refused(workspace):
    with pytest.raises(ValueError, match="Unknown SLA filter"):
        filter_tickets_by_sla(
            Ticket.objects.none(), "soon", workspace=workspace, now=NOW
        )


def test_next_breach_order_puts_overdue_and_soonest_first_no_clock_last(
    board, workspace
):
    ordered = Ticket.objects.filter(workspace=workspace).order_by(
        "next_breach_at", "id"
    )
    assert list(ordered.values_list("subject", flat=True)) == [
        "overdue",
        "at risk",
        "today",
        "this week",
        "next week",
        "no clock",
    ]
    assert Ticket.objects.get(subject="today").next_breach_at == NOW + 10 * H


def test_next_breach_follows_every_clock_change(workspace, agent):
    make_policy(workspace, targets={3: (30, 0, 60)})  # first response, resolution

    def next_breach(ticket):
        return Ticket.objects.get(pk=ticket.pk).next_breach_at

    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(workspace, agent)
        assert next_breach(ticket) == NOW + H / 2
        services.comment_add(ticket=ticket, actor=agent, body="On it", is_public=True)
        assert next_breach(ticket) == NOW + H  # first response met: resolution
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=agent
        )
        assert next_breach(ticket) == NO_BREACH  # paused while waiting
        services.ticket_change_status(ticket=ticket, to="open", actor=agent)
        assert next_breach(ticket) == NOW + H
    with time_machine.travel(NOW + 2 * H, tick=False):
        sla_services.sla_sweep()
        assert next_breach(ticket) == NOW + H  # overdue: still first in the order
        services.ticket_complete(ticket=ticket, actor=agent)
        assert next_breach(ticket) == NO_BREACH


def test_resolved_ticket_leaves_the_overdue_filter(board, workspace, agent):
    services.ticket_complete(ticket=board["overdue"], actor=agent)
    tickets = Ticket.objects.filter(workspace=workspace)
    result = filter_tickets_by_sla(tickets, "overdue", workspace=workspace, now=NOW)
    assert not result.exists()


def test_clock_serializer_shows_state_and_time_left(
    board, workspace, django_assert_num_queries
):
    tickets = prefetch_sla_clocks(
        Ticket.objects.filter(workspace=workspace).order_by("id")
    )
    with django_assert_num_queries(2):
        rows = {
            t.subject: SlaClockSerializer(
                t.sla_targets.all(), many=True, context={"now": NOW}
            ).data
            for t in tickets
        }
    overdue = rows["overdue"][0]
    assert overdue["metric"] == "resolution"
    assert (overdue["state"], overdue["colour"]) == ("breached", "red")
    assert overdue["time_left_seconds"] == -100 * 3600
    assert rows["at risk"][0]["state"] == "at_risk"
    assert rows["today"][0]["state"] == "on_track"
    assert rows["today"][0]["time_left_seconds"] == 10 * 3600
    assert rows["today"][0]["policy"] == "Standard"
    assert rows["no clock"] == []


def test_at_risk_gives_the_same_tickets_by_id_and_by_exists(
    board, workspace, monkeypatch
):
    from sla import selectors

    tickets = Ticket.objects.filter(workspace=workspace)
    by_id = filter_tickets_by_sla(tickets, "at_risk", workspace=workspace, now=NOW)
    monkeypatch.setattr(selectors, "AT_RISK_BY_ID", 0)  # more at risk than looked up
    by_exists = filter_tickets_by_sla(tickets, "at_risk", workspace=workspace, now=NOW)
    assert _subjects(by_id) == _subjects(by_exists) == ["at risk"]
