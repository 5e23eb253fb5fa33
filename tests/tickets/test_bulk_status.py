"""Bulk status changes move the whole selection in a few statements, with the same
row change, history row, comment, event and SLA clock effects as a single change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.models import Membership
from sla.models import SlaTarget
from tests.factories import make_ticket
from tests.querycount import assert_same_cost
from tests.sla.conftest import make_policy
from tickets import bulk, workflow
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _bulk_status(member, tickets, status, comment=""):
    return bulk.ticket_bulk(
        membership=member,
        action=bulk.Action.STATUS,
        tickets=tickets,
        params={"status": status, "comment": comment},
    )


def test_each_ticket_gets_its_change_history_comment_event_and_clock(workspace, agent):
    make_policy(workspace)
    member = Membership.objects.get(user=agent)
    tickets = [make_ticket(workspace, agent) for _ in range(5)]
    services_resolved = tickets[0]
    _bulk_status(member, [services_resolved], workflow.Status.RESOLVED)
    versions = {t.pk: Ticket.objects.get(pk=t.pk).version for t in tickets}

    result = _bulk_status(member, tickets, workflow.Status.RESOLVED, "Fixed upstream")

    assert [r["number"] for r in result.applied] == [t.number for t in tickets[1:]]
    assert result.refused[0]["number"] == tickets[0].number
    assert "already Resolved" in result.refused[0]["reason"]
    for ticket in tickets[1:]:
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.status == workflow.Status.RESOLVED
        assert fresh.resolved_at is not None
        assert fresh.version == versions[ticket.pk] + 1
        latest = fresh.history.order_by("-history_id").first()
        assert (latest.history_user, latest.status) == (agent, "resolved")
        changed = TicketEvent.objects.filter(ticket=fresh, kind="status_changed")
        assert [e.data["new"] for e in changed] == ["resolved"]
        assert Comment.objects.get(ticket=fresh).body == "Fixed upstream"
        resolution = SlaTarget.objects.get(ticket=fresh, metric="resolution")
        assert resolution.fulfilled_at is not None
    untouched = Ticket.objects.get(pk=tickets[0].pk)
    assert untouched.version == versions[tickets[0].pk]
    assert not Comment.objects.filter(ticket=untouched).exists()


def test_moving_out_of_the_active_statuses_ends_snoozes(workspace, agent):
    from datetime import timedelta

    from django.utils import timezone

    from tickets import services

    member = Membership.objects.get(user=agent)
    ticket = make_ticket(workspace, agent)
    services.ticket_snooze(
        ticket=ticket, until=timezone.now() + timedelta(days=1), actor=agent
    )
    _bulk_status(member, [ticket], workflow.Status.CLOSED)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.snoozed_until) == ("closed", None)


BULK_STATUS_QUERIES = 12


def test_a_bulk_status_change_costs_the_same_for_1_and_50_tickets(workspace, agent):
    make_policy(workspace)
    member = Membership.objects.get(user=agent)

    def queries_for(count):
        tickets = [make_ticket(workspace, agent) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            _bulk_status(member, tickets, workflow.Status.RESOLVED)
        return len(captured)

    queries_for(1)  # warm per-process caches
    one, fifty = queries_for(1), queries_for(50)
    assert_same_cost(one, fifty, BULK_STATUS_QUERIES)
