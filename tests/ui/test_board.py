"""The board: every open column's cards in one query whatever their number, the
collapsed columns (Closed, Archived) loaded when opened, cards in the list's order
with their inline edits."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.models import Membership
from tests.factories import ContactFactory, LabelFactory, TeamFactory, make_ticket
from tickets import services

HX = {"HTTP_HX_REQUEST": "true"}
EVERY_STATUS = "open,in_progress,waiting_on_contact,resolved,closed,archived"
# Session, user, membership; the stats bar; members and labels (cards and
# filters); the cards of all open columns with their tags, SLA clocks and sync
# links; the sidebar's counts and pinned views; the workspace switcher; the
# filters' teams and tags.
BOARD_QUERIES = 15
# Path through the workflow to each status from "open".
PATHS = {
    "open": [],
    "in_progress": ["in_progress"],
    "waiting_on_contact": ["waiting_on_contact"],
    "resolved": ["resolved"],
    "closed": ["closed"],
    "archived": ["resolved", "archived"],
}


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def board_url(query=""):
    return reverse("tickets:index", args=["acme"]) + "?view=board" + query


def make_cards(workspace, agent, statuses, **fields):
    team, label = TeamFactory(workspace=workspace), LabelFactory(workspace=workspace)
    tickets = []
    for i, status in enumerate(statuses):
        ticket = make_ticket(
            workspace,
            agent,
            subject=f"Card {i}",
            team=team,
            label=label,
            requester=ContactFactory(workspace=workspace),
            tags=["vip"],
            **fields,
        )
        for step in PATHS[status]:
            ticket = services.ticket_change_status(ticket=ticket, to=step, actor=agent)
        tickets.append(ticket)
    return tickets


def count_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def numbers_in(html, status):
    column = html.split(f'data-status="{status}" aria-label=')[1].split("</section>")[0]
    return [
        int(n)
        for n in re.findall(r'class="card-ticket[^"]*"[^>]*data-number="(\d+)"', column)
    ]


def test_the_board_costs_the_same_for_1_and_50_cards(client_agent, workspace, agent):
    make_cards(workspace, agent, ["open"])
    client_agent.get(board_url())  # warm the session
    one, _ = count_queries(client_agent, board_url(f"&status={EVERY_STATUS}"))
    statuses = list(PATHS) * 9  # 54 more cards: 9 in each column
    make_cards(workspace, agent, statuses[:49])
    fifty, html = count_queries(client_agent, board_url(f"&status={EVERY_STATUS}"))
    assert (one, fifty) == (BOARD_QUERIES, BOARD_QUERIES)
    assert html.count('class="card-ticket') == 1 + 9 + 8 + 8 + 8  # the open columns


def test_collapsed_columns_load_their_cards_when_opened(client_agent, workspace, agent):
    closed = make_cards(workspace, agent, ["closed", "closed", "open"])
    html = client_agent.get(board_url(f"&status={EVERY_STATUS}")).content.decode()
    assert numbers_in(html, "closed") == []
    assert numbers_in(html, "open") == [3]
    # The collapsed column's first page waits, hidden, for the column to open.
    assert "column=closed&amp;page=1" in html
    assert "column=archived" not in html  # nothing to load there
    cards = client_agent.get(
        board_url(f"&status={EVERY_STATUS}&column=closed&page=1"), **HX
    ).content.decode()
    assert [int(n) for n in re.findall(r'data-number="(\d+)"', cards)] == [
        closed[1].number,
        closed[0].number,
    ]
    assert "load-more" not in cards


def test_cards_follow_the_chosen_order(client_agent, workspace, agent):
    for priority in (2, 5, 1, 4):
        make_ticket(workspace, agent, subject=f"P{priority}", priority=priority)
    html = client_agent.get(board_url("&ordering=-priority")).content.decode()
    assert numbers_in(html, "open") == [2, 4, 1, 3]
    html = client_agent.get(board_url()).content.decode()
    assert numbers_in(html, "open") == [4, 3, 2, 1]


def test_a_card_edits_status_priority_and_assignee_in_place(
    client_agent, workspace, agent, manager
):
    ticket = make_ticket(workspace, agent, subject="Edit me", priority=3)
    services.ticket_assign(ticket=ticket, assignee=manager, actor=agent)
    html = client_agent.get(board_url()).content.decode()
    card = html.split('class="card-ticket')[1].split("</article>")[0]
    inline_url = reverse("tickets:inline", args=["acme", ticket.number])
    assert card.count(f'hx-post="{inline_url}"') == 3
    status = card.split('name="status"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)"', status) == [
        "open",
        "in_progress",
        "waiting_on_contact",
        "resolved",
        "closed",
    ]
    assert '<option value="open" selected>' in status
    assert '<option value="3" selected>Medium</option>' in card
    assert f'<option value="{manager.pk}" selected>manager</option>' in card
    assert card.count(" selected>") == 3


def test_a_card_names_an_assignee_who_left_the_workspace(
    client_agent, workspace, agent
):
    former = get_user_model().objects.create(username="former", first_name="Fay")
    Membership.objects.create(user=former, workspace=workspace, role="agent")
    ticket = make_ticket(workspace, agent, subject="Orphan")
    services.ticket_assign(ticket=ticket, assignee=former, actor=agent)
    Membership.objects.filter(user=former).delete()
    html = client_agent.get(board_url()).content.decode()
    card = html.split('class="card-ticket')[1].split("</article>")[0]
    assert '<span class="avatar small" aria-hidden="true">F</span>' in card


@pytest.mark.parametrize("view", ["list", "board"])
def test_rows_are_read_without_the_selectors_joins(
    client_agent, workspace, agent, view
):
    make_cards(workspace, agent, ["open", "in_progress"])
    url = reverse("tickets:index", args=["acme"]) + f"?view={view}"
    with CaptureQueriesContext(connection) as ctx:
        client_agent.get(url)
    rows = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "tickets_ticket"."id"')
    ]
    assert len(rows) == 1
    assert rows[0].count(" JOIN ") == 1  # the requester's
