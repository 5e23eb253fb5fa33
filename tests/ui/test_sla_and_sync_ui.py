"""SLA time left and External Sync on the agent pages, and their filter chips."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from integrations.models import Connection, ExternalLink
from sla.templatetags.sla_tags import format_left
from tests.factories import make_ticket
from tests.sla.conftest import make_policy

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (7500, "2h 5m"),
        (720, "12m"),
        (20, "Now"),
        (-900, "-15m"),
        (2 * 86400 + 3 * 3600, "2d 3h"),
    ],
)
def test_time_left_reads_like_a_badge(seconds, text):
    assert format_left(timedelta(seconds=seconds)) == text


def test_list_shows_time_left_and_the_panel_every_clock(client_agent, workspace, agent):
    make_policy(workspace)
    with time_machine.travel(START, tick=False):
        ticket = make_ticket(workspace, agent, subject="Urgent one", priority=5)
    with time_machine.travel(START + timedelta(minutes=13), tick=False):
        page = client_agent.get(reverse("tickets:index", args=["acme"]))
        panel = client_agent.get(
            reverse("tickets:detail", args=["acme", ticket.number])
        )
    assert 'class="sla at_risk"' in page.content.decode()
    assert ">2m<" in page.content.decode()
    body = panel.content.decode()
    assert "First response" in body and "At risk" in body and "Resolution" in body


def test_panel_shows_the_external_link_or_says_not_connected(
    client_agent, workspace, agent
):
    linked, alone = make_ticket(workspace, agent), make_ticket(workspace, agent)
    connection = Connection.objects.create(
        workspace=workspace, platform="zendesk", subdomain="acme", push_enabled=False
    )
    ExternalLink.objects.create(
        workspace=workspace,
        connection=connection,
        ticket=linked,
        platform="zendesk",
        remote_id="4242",
        state=ExternalLink.State.SYNCED,
    )
    shown = client_agent.get(reverse("tickets:detail", args=["acme", linked.number]))
    empty = client_agent.get(reverse("tickets:detail", args=["acme", alone.number]))
    assert "4242" in shown.content.decode() and "Zendesk" in shown.content.decode()
    assert "Not connected to external system." in empty.content.decode()


def test_sla_and_sync_filters_show_chips(client_agent, workspace, agent):
    make_ticket(workspace, agent)
    page = client_agent.get(
        reverse("tickets:index", args=["acme"]),
        {"sla": "overdue", "sync_status": "not_connected"},
    ).content.decode()
    assert "SLA" in page and "Overdue" in page
    assert "Not connected" in page
