"""The panel's Audit tab (audit id, last update, governance reason, chat id, link to
the conversation log) and deleting from the panel (managers and admins only)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ConversationFactory, make_ticket
from tickets import services
from tickets.models import Ticket

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def escalated(workspace, agent):
    conversation = ConversationFactory(workspace=workspace, external_id="chat-7781")
    ticket = make_ticket(workspace, agent, subject="Refund refused by the bot")
    Ticket.objects.filter(pk=ticket.pk).update(
        governance_reason="Refunds over 500 EUR need a person",
        confidence=42,
        primary_conversation=conversation,
    )
    ticket.refresh_from_db()
    return ticket, conversation


def audit_pane(client, user, ticket) -> str:
    client.force_login(user)
    url = reverse("tickets:detail", args=["acme", ticket.number])
    html = client.get(url, {"tab": "audit"}, **HX).content.decode()
    pane = html[html.index('id="pane-audit"') :]
    return pane[: pane.index("</section>")]


@pytest.mark.django_db
def test_the_audit_tab_shows_what_an_auditor_asks_for(client, agent, escalated):
    ticket, conversation = escalated
    pane = audit_pane(client, agent, ticket)

    assert str(ticket.uuid) in pane
    assert "Refunds over 500 EUR need a person" in pane
    assert 'data-copy="chat-7781"' in pane
    assert "42%" in pane
    log = reverse("tickets:conversation", args=["acme", conversation.pk])
    assert f'href="{log}">View conversation in log</a>' in pane
    assert "Delete ticket" not in pane  # agents may not delete


@pytest.mark.django_db
def test_a_manager_deletes_from_the_panel(client, manager, escalated):
    ticket, _ = escalated
    assert "Delete ticket" in audit_pane(client, manager, ticket)
    url = reverse("tickets:delete", args=["acme", ticket.number])
    response = client.post(url, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("tickets:index", args=["acme"])
    assert not Ticket.objects.filter(pk=ticket.pk).exists()


@pytest.mark.django_db
def test_an_agent_cannot_delete_and_nothing_changes(client, agent, escalated):
    ticket, _ = escalated
    client.force_login(agent)
    url = reverse("tickets:delete", args=["acme", ticket.number])
    assert client.post(url, **HX).status_code == 404
    assert Ticket.objects.filter(pk=ticket.pk).exists()


# Session, user, membership, the ticket with its workspace, team, assignee and
# rule, its conversations, and the panel's own reads (events, comments with their
# authors, attachments and deliveries, SLA, sync links, tabs): the same for a
# ticket worked once as for one worked ten times.
PINNED_AUDIT = 23


def _work(ticket, agent, manager, rounds: range) -> None:
    """A note, a reassignment and a status move for each round."""
    for n in rounds:
        services.comment_add(ticket=ticket, actor=agent, body=f"Note {n}")
        services.ticket_assign(
            ticket=ticket, assignee=manager if n % 2 == 0 else agent, actor=agent
        )
        services.ticket_change_status(
            ticket=ticket, to="in_progress" if n % 2 == 0 else "open", actor=agent
        )


@pytest.mark.django_db
def test_the_audit_tab_costs_the_same_for_a_short_and_a_long_life(
    client, agent, manager, escalated
):
    ticket, _ = escalated
    client.force_login(agent)
    url = reverse("tickets:detail", args=["acme", ticket.number])

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"tab": "audit"}, **HX).status_code == 200
        return len(ctx)

    _work(ticket, agent, manager, range(1))
    short = cost()
    _work(ticket, agent, manager, range(1, 10))
    long = cost()

    assert (short, long) == (PINNED_AUDIT, PINNED_AUDIT)
