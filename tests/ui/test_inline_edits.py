"""Inline edits from list rows: status, priority and assignee through the panel's
forms and services; a transition the workflow refuses, a stale version, another
workspace's member or an unknown field change nothing and say why."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MembershipFactory, WorkspaceFactory, make_ticket
from tickets import services
from tickets.models import Ticket

HX = {"HTTP_HX_REQUEST": "true"}


def inline(client, ticket, **data):
    url = reverse("tickets:inline", args=["acme", ticket.number])
    return client.post(url, {"version": ticket.version, **data}, **HX)


@pytest.fixture
def ticket(workspace, agent):
    return make_ticket(workspace, agent, subject="Inline me", priority=3)


@pytest.mark.django_db
def test_status_priority_and_assignee_change_from_the_row(
    client, agent, manager, ticket
):
    client.force_login(agent)
    response = inline(client, ticket, field="status", status="in_progress")
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"ticketsChanged": {}}
    ticket.refresh_from_db()
    inline(client, ticket, field="priority", value="5")
    ticket.refresh_from_db()
    inline(client, ticket, field="assignee", value=str(manager.pk))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee_id) == (
        "in_progress",
        5,
        manager.pk,
    )
    assert ticket.events.filter(kind="status_changed").count() == 1


@pytest.mark.django_db
def test_a_refused_transition_changes_nothing_and_says_why(client, agent, ticket):
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    ticket.refresh_from_db()
    client.force_login(agent)
    response = inline(client, ticket, field="status", status="open")
    assert response.status_code == 422
    message = json.loads(response["HX-Trigger"])["inlineRefused"]["message"]
    assert message.startswith("Cannot change status from Closed to Open")
    ticket.refresh_from_db()
    assert ticket.status == "closed"


@pytest.mark.django_db
def test_a_stale_row_is_refused(client, agent, ticket):
    client.force_login(agent)
    stale_version = ticket.version
    services.ticket_set_priority(ticket=ticket, priority=1, actor=agent)
    url = reverse("tickets:inline", args=["acme", ticket.number])
    response = client.post(
        url, {"version": stale_version, "field": "priority", "value": "5"}, **HX
    )
    assert response.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).priority == 1


@pytest.mark.django_db
def test_foreign_members_and_unknown_fields_are_refused(client, agent, ticket):
    stranger = MembershipFactory(workspace=WorkspaceFactory(slug="globex")).user
    client.force_login(agent)
    foreign = inline(client, ticket, field="assignee", value=str(stranger.pk))
    assert foreign.status_code == 422
    assert "No member with that id in this workspace." in foreign.content.decode()
    unknown = inline(client, ticket, field="subject", value="Hijacked")
    assert unknown.status_code == 400
    assert (
        unknown.content.decode() == "field: choose one of status, priority, assignee."
    )
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.assignee_id) == ("Inline me", agent.pk)


@pytest.mark.django_db
def test_the_row_offers_only_the_allowed_statuses(client, agent, ticket):
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    client.force_login(agent)
    html = client.get(
        reverse("tickets:index", args=["acme"]), {"status": "closed"}
    ).content.decode()
    row = html[html.index('aria-label="Status of TKT-1"') :]
    row = row[: row.index("</select>")]
    assert row.count("<option") == 2  # Closed (current) and Archived
    assert ">Archived</option>" in row and ">Open</option>" not in row


# Session, user, membership, the ticket, the form's member check, then the
# service's lock, write, event, history, SLA and outbox: the same whether the
# workspace has one ticket and one member or fifty of each.
PINNED_INLINE = {"status": 18, "priority": 18, "assignee": 18}


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(PINNED_INLINE))
def test_an_inline_edit_costs_the_same_for_1_and_50_rows(
    client, workspace, agent, manager, field
):
    client.force_login(agent)
    values = {"status": {"status": "in_progress"}, "priority": {"value": "5"}}

    def cost(ticket):
        data = values.get(field, {"value": str(manager.pk)})
        with CaptureQueriesContext(connection) as ctx:
            response = inline(client, ticket, field=field, **data)
        assert response.status_code == 204, response.content
        return len(ctx)

    one = cost(make_ticket(workspace, agent, subject="Only"))
    for n in range(49):
        MembershipFactory(workspace=workspace, role="agent")
        make_ticket(workspace, agent, subject=f"Row {n}")
    many = cost(make_ticket(workspace, agent, subject="Among many"))

    assert (one, many) == (PINNED_INLINE[field], PINNED_INLINE[field])
