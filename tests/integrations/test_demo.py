"""The integrations' demo data (integrations/demo.py): a synced ticket the panel
shows with its Zendesk link, on a paused connection, so the demo never calls out."""

import pytest
from django.urls import reverse

from integrations import demo
from integrations.models import Connection, ExternalLink, SyncOp
from tests.factories import make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def test_the_demo_links_an_open_ticket_of_the_agent_and_never_calls_out(
    client, workspace, agent, manager
):
    make_ticket(workspace, manager, subject="Someone else's", assignee=manager)
    ticket = make_ticket(workspace, agent, subject="Synced one", assignee=agent)
    users = {"agent": agent, "manager": manager}

    assert demo.seed(workspace, users) == 1
    assert demo.seed(workspace, users) == 0  # idempotent

    link = ExternalLink.objects.get()
    assert link.ticket == ticket
    assert (link.state, link.remote_id) == ("synced", "48213")
    assert link.remote_url == "https://acme-demo.zendesk.com/agent/tickets/48213"
    connection = Connection.objects.get()
    assert connection.enabled is False  # neither pull nor push runs
    # A change to the synced ticket queues nothing for a paused connection.
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    assert SyncOp.objects.count() == 0

    client.force_login(agent)
    url = reverse("tickets:detail", args=["acme", ticket.number])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'href="https://acme-demo.zendesk.com/agent/tickets/48213"' in html
    assert "<dd>Zendesk</dd>" in html
    assert "<dd>Synced</dd>" in html
