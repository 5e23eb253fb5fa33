"""The Activity and History tabs speak words: labels, names, local times; never
codes, ids or raw event data (the expected strings are written here)."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ConversationFactory, TeamFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import Message

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def worked_ticket(workspace, agent):
    workspace.timezone = "Europe/Berlin"
    workspace.save(update_fields=["timezone"])
    olivia = UserFactory(username="olivia", first_name="Olivia", last_name="Pope")
    workspace.memberships.create(user=olivia, role="agent")
    team = TeamFactory(workspace=workspace, name="Billing desk")
    ticket = make_ticket(workspace, agent, subject="Words please", priority=2)
    ticket = services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    ticket = services.ticket_assign(ticket=ticket, assignee=olivia, actor=agent)
    ticket = services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
    ticket = services.ticket_set_team(ticket=ticket, team=team, actor=agent)
    # 9:00 UTC on 1 July 2099 is 11:00 in Berlin (summer time).
    services.ticket_snooze(
        ticket=ticket, until=datetime(2099, 7, 1, 9, 0, tzinfo=UTC), actor=agent
    )
    return ticket


def _tab(client, agent, ticket, tab) -> str:
    client.force_login(agent)
    url = reverse("tickets:detail", args=["acme", ticket.number])
    return client.get(url, {"tab": tab}, **HX).content.decode()


@pytest.mark.django_db
def test_the_activity_tab_reads_as_words(client, agent, worked_ticket):
    html = _tab(client, agent, worked_ticket, "activity")
    pane = html[html.index('id="pane-activity"') :]
    pane = pane[: pane.index("</section>")]

    assert "Open → In Progress" in pane
    assert "agent → Olivia Pope" in pane  # the creator was assigned first
    assert "Low → Urgent" in pane
    assert "until Wed 01 Jul 2099, 11:00" in pane
    for raw in ("in_progress", "→ 5", "2099-07-01T09:00"):
        assert raw not in pane


@pytest.mark.django_db
def test_the_history_tab_names_fields_and_values(client, agent, worked_ticket):
    html = _tab(client, agent, worked_ticket, "history")
    pane = html[html.index('id="pane-history"') :]
    pane = pane[: pane.index("</section>")]
    cells = [cell.strip() for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", pane)]

    assert cells[cells.index("Status") : cells.index("Status") + 3] == [
        "Status",
        "Open",
        "In Progress",
    ]
    assert cells[cells.index("Assignee") : cells.index("Assignee") + 3] == [
        "Assignee",
        "agent",  # the creator was assigned first
        "Olivia Pope",
    ]
    assert cells[cells.index("Team") : cells.index("Team") + 3] == [
        "Team",
        "—",
        "Billing desk",
    ]
    assert cells[cells.index("Priority") : cells.index("Priority") + 3] == [
        "Priority",
        "Low",
        "Urgent",
    ]
    assert "Snoozed until" in cells
    assert "Wed 01 Jul 2099, 11:00" in cells


@pytest.mark.django_db
def test_the_panel_names_the_channel_the_summariser_and_counts_the_thread(
    client, agent, workspace
):
    conversation = ConversationFactory(workspace=workspace)
    for body in ("Hi", "My invoice is wrong", "Still there?"):
        Message.objects.create(
            conversation=conversation,
            author_kind="contact",
            body=body,
            sent_at=timezone.now(),
        )
    ticket = make_ticket(
        workspace,
        agent,
        channel="web_chat",
        summary="Invoice wrong",
        summary_by="tickets.intake.summaries.local_summary",
        primary_conversation=conversation,
    )
    details = _tab(client, agent, ticket, "details")
    assert "<dd>Web chat</dd>" in details
    assert "by the built-in summariser" in details
    assert re.search(
        r'data-tab="conversation">Conversation <span class="pill">3<', details
    )
    audit = _tab(client, agent, ticket, "audit")
    assert "<dt>Channel</dt><dd>Web chat</dd>" in audit
    assert "local_summary" not in details
