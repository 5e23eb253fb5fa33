"""The agent tickets page, detail panel and its controls, through the Django client."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ContactFactory,
    LabelFactory,
    TeamFactory,
    UserFactory,
    make_ticket,
)
from tickets import conversations, selectors, services
from tickets.models import SavedView, Ticket, TicketEvent
from tickets.selectors import Tally, capped_counts
from tickets.templatetags.tickets_ui import optional_url

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def index(**params):
    url = reverse("tickets:index", args=["acme"])
    return url, params


def make_rows(workspace, agent, n):
    team = TeamFactory(workspace=workspace)
    label = LabelFactory(workspace=workspace)
    for i in range(n):
        make_ticket(
            workspace,
            agent,
            subject=f"Row {i}",
            team=team,
            label=label,
            requester=ContactFactory(workspace=workspace),
            tags=["vip", f"t{i % 3}"],
        )


def test_home_redirects_to_the_agents_workspace(client_agent):
    response = client_agent.get(reverse("tickets:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:index", args=["acme"])


def test_anonymous_agent_is_sent_to_login(client):
    response = client.get(reverse("tickets:index", args=["acme"]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_other_workspace_is_not_found(client_agent, other_workspace):
    response = client_agent.get(reverse("tickets:index", args=["globex"]))
    assert response.status_code == 404


def test_page_lists_tickets_with_badges_and_sidebar_counts(
    client_agent, workspace, agent
):
    make_ticket(workspace, agent, subject="Refund please", priority=5)
    make_ticket(workspace, None, subject="Nobody's", source="api")
    response = client_agent.get(reverse("tickets:index", args=["acme"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Refund please" in html and "TKT-1" in html
    # The row's priority is an inline menu styled as its badge, Urgent chosen.
    assert 'class="inline-select badge red prio"' in html
    assert '<option value="5" selected>Urgent</option>' in html
    assert 'My tickets <span class="count">1</span>' in html
    assert 'Unassigned <span class="count">1</span>' in html


def test_status_filter_shows_a_chip_and_the_matching_count(
    client_agent, workspace, agent
):
    make_ticket(workspace, agent, subject="Open one")
    done = make_ticket(workspace, agent, subject="Done one")
    services.ticket_change_status(ticket=done, to="resolved", actor=agent)
    url = reverse("tickets:index", args=["acme"]) + "?status=resolved"
    response = client_agent.get(url, HTTP_HX_TARGET="results", **HX)
    html = response.content.decode()
    assert "Done one" in html and "Open one" not in html
    assert "<strong>1</strong> ticket" in html
    assert "Status:</span> Resolved" in html
    assert "<html" not in html  # the htmx answer is just the results region


def test_search_by_ref_finds_the_ticket(client_agent, workspace, agent):
    make_ticket(workspace, agent, subject="First")
    make_ticket(workspace, agent, subject="Second")
    url = reverse("tickets:index", args=["acme"]) + "?q=TKT-2"
    html = client_agent.get(url).content.decode()
    assert "Second" in html and ">First<" not in html


def test_invalid_filter_is_explained_not_a_500(client_agent):
    url = reverse("tickets:index", args=["acme"]) + "?status=bogus"
    response = client_agent.get(url)
    assert response.status_code == 200
    assert "Unknown status" in response.content.decode()


def test_layout_choice_is_remembered(client_agent, workspace, agent):
    make_ticket(workspace, agent)
    base = reverse("tickets:index", args=["acme"])
    client_agent.get(base + "?view=board")
    html = client_agent.get(base).content.decode()
    assert 'class="board"' in html


def test_snoozed_ticket_leaves_the_list_and_shows_in_snoozed(
    client_agent, workspace, agent
):
    ticket = make_ticket(workspace, agent, subject="Sleepy")
    make_ticket(workspace, agent, subject="Awake")
    url = reverse("tickets:snooze", args=["acme", ticket.number])
    response = client_agent.post(url, {"until": "2099-01-01T09:00:00+00:00"}, **HX)
    assert response.status_code == 200
    assert "Snoozed until" in response.content.decode()
    base = reverse("tickets:index", args=["acme"])
    assert "Sleepy" not in client_agent.get(base).content.decode()
    assert "Sleepy" in client_agent.get(base + "?snoozed=snoozed").content.decode()


def test_detail_deep_link_renders_page_with_panel(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent, subject="Deep", content="**bold** text")
    url = reverse("tickets:detail", args=["acme", ticket.number])
    html = client_agent.get(url).content.decode()
    assert 'id="panel"' in html and 'class="panel-inner"' in html
    # Details, Conversation (the thread, replies and notes), Activity, History,
    # Audit, and AI Insights (registered by the knowledge app).
    assert html.count('role="tab"') == 6
    assert "<strong>bold</strong>" in html
    assert "Not connected to external system." in html
    partial = client_agent.get(url, **HX).content.decode()
    assert partial.lstrip().startswith('<div class="panel-inner"')


def test_history_tab_shows_the_entries_the_api_and_admin_show(
    client_agent, workspace, agent
):
    ticket = make_ticket(workspace, agent)
    services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
    url = reverse("tickets:detail", args=["acme", ticket.number])
    response = client_agent.get(url, **HX)
    shown = response.context["detail"]["history"]
    assert shown == selectors.ticket_history(ticket=ticket)  # what the API serializes
    assert {"field": "priority", "old": 3, "new": 5} in shown[0]["changes"]
    # The same entry, in words: the field's label and the priorities' names.
    assert (
        '<th>Priority</th><td class="old">Medium</td><td class="new">Urgent</td>'
        in (response.content.decode())
    )


def test_a_page_of_history_still_shows_its_oldest_entrys_changes(workspace, agent):
    ticket = make_ticket(workspace, agent)
    services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
    [latest] = selectors.ticket_history(ticket=ticket, limit=1)
    assert {"field": "priority", "old": 3, "new": 5} in latest["changes"]


def test_status_control_offers_only_allowed_transitions(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    html = client_agent.get(
        reverse("tickets:detail", args=["acme", ticket.number]), **HX
    ).content.decode()
    assert '<option value="archived">→ Archived</option>' in html
    assert '<option value="open">' not in html


def test_status_change_with_comment_records_event(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent)
    url = reverse("tickets:status", args=["acme", ticket.number])
    response = client_agent.post(
        url,
        {"status": "resolved", "comment": "Refunded", "version": ticket.version},
        **HX,
    )
    assert response.status_code == 200
    assert "ticketsChanged" in response["HX-Trigger"]
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    event = ticket.events.get(kind=TicketEvent.Kind.STATUS_CHANGED)
    assert event.data["comment"] == "Refunded"


def test_stale_edit_is_refused_and_explained(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent, priority=3)
    old_version = ticket.version
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    url = reverse("tickets:field", args=["acme", ticket.number])
    response = client_agent.post(
        url, {"field": "priority", "value": "1", "version": old_version}, **HX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed while you were editing" in html
    ticket.refresh_from_db()
    assert ticket.priority == 4


def test_stale_description_edit_keeps_the_agents_draft(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent, content="v1")
    old_version = ticket.version
    services.ticket_update(ticket=ticket, actor=agent, changes={"content": "v2"})
    url = reverse("tickets:field", args=["acme", ticket.number])
    response = client_agent.post(
        url,
        {"field": "content", "value": "my long draft", "version": old_version},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Your unsaved text" in html and "my long draft" in html
    ticket.refresh_from_db()
    assert ticket.content == "v2"


def test_field_edit_assigns_and_sets_description(client_agent, workspace, agent):
    other = UserFactory(username="bea")
    workspace.memberships.create(user=other, role="agent")
    ticket = make_ticket(workspace, agent)
    url = reverse("tickets:field", args=["acme", ticket.number])
    client_agent.post(
        url, {"field": "assignee", "value": other.pk, "version": ticket.version}, **HX
    )
    ticket.refresh_from_db()
    client_agent.post(
        url, {"field": "content", "value": "New body", "version": ticket.version}, **HX
    )
    ticket.refresh_from_db()
    assert ticket.assignee == other and ticket.content == "New body"


def test_assigning_an_outsider_is_refused(client_agent, workspace, agent):
    outsider = UserFactory(username="outsider")
    ticket = make_ticket(workspace, agent)
    url = reverse("tickets:field", args=["acme", ticket.number])
    response = client_agent.post(
        url,
        {"field": "assignee", "value": outsider.pk, "version": ticket.version},
        **HX,
    )
    assert response.status_code == 422
    assert "No member with that id" in response.content.decode()


def test_tags_add_and_remove(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["old"])
    url = reverse("tickets:tags", args=["acme", ticket.number])
    client_agent.post(url, {"add": "New, vip"}, **HX)
    client_agent.post(url, {"remove": "old"}, **HX)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["new", "vip"]


def test_comment_with_mention_is_rendered(client_agent, workspace, agent, manager):
    ticket = make_ticket(workspace, agent)
    url = reverse("tickets:comment", args=["acme", ticket.number])
    response = client_agent.post(
        url, {"body": "Ping @manager please", "visibility": "internal"}, **HX
    )
    assert '<span class="mention">@manager</span>' in response.content.decode()
    assert list(ticket.comments.get().mentions.all()) == [manager]


def test_board_move_refused_answers_409_with_reason(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    url = reverse("tickets:move", args=["acme", ticket.number])
    response = client_agent.post(url, {"status": "open"}, **HX)
    assert response.status_code == 409
    assert "Cannot change status from Closed to Open" in response.content.decode()


def test_board_move_changes_status(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent)
    url = reverse("tickets:move", args=["acme", ticket.number])
    response = client_agent.post(url, {"status": "in_progress"}, **HX)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_bulk_assign_reports_applied_tickets(client_agent, workspace, agent):
    for i in range(3):
        make_ticket(workspace, None, subject=f"B{i}", source="api")
    url = reverse("tickets:bulk", args=["acme"])
    response = client_agent.post(
        url,
        {"action": "assign", "numbers": ["1", "2", "3"], "assignee": agent.pk},
        **HX,
    )
    assert "Assigned: 3 tickets" in response.content.decode()
    assert Ticket.objects.filter(assignee=agent).count() == 3


def test_bulk_all_matching_reports_refusals(client_agent, workspace, agent):
    make_ticket(workspace, agent, subject="a")
    closed = make_ticket(workspace, agent, subject="b")
    services.ticket_change_status(ticket=closed, to="closed", actor=agent)
    url = reverse("tickets:bulk", args=["acme"])
    response = client_agent.post(
        url,
        {"action": "complete", "all_matching": "1", "query": "status=open,closed"},
        **HX,
    )
    html = response.content.decode()
    assert "Resolved: 1 ticket" in html and "Refused 1" in html


@pytest.mark.parametrize("action", ["status", "assign", "priority"])
def test_bulk_menu_left_on_choose_changes_nothing(
    client_agent, workspace, agent, action
):
    """The bar's menus start on "Choose…": a click without a choice is refused."""
    ticket = make_ticket(workspace, agent, assignee=agent, priority=2)
    url = reverse("tickets:bulk", args=["acme"])
    response = client_agent.post(
        url,
        {
            "action": action,
            "numbers": [str(ticket.number)],
            "status": "",
            "assignee": "",
            "priority": "",
        },
        **HX,
    )
    field = {"status": "status", "assign": "assignee", "priority": "priority"}
    assert f"Choose the {field[action]} first." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id, ticket.priority) == (
        "open",
        agent.pk,
        2,
    )


def test_bulk_snooze_resolves_its_preset_when_submitted(client_agent, workspace, agent):
    ticket = make_ticket(workspace, agent)
    url = reverse("tickets:bulk", args=["acme"])
    before = timezone.now()
    client_agent.post(
        url, {"action": "snooze", "numbers": [str(ticket.number)], "until": "1h"}, **HX
    )
    ticket.refresh_from_db()
    expected = before + timedelta(hours=1)
    assert expected <= ticket.snoozed_until <= expected + timedelta(seconds=30)


def test_bulk_delete_needs_a_manager(client_agent, workspace, agent):
    make_ticket(workspace, agent)
    url = reverse("tickets:bulk", args=["acme"])
    response = client_agent.post(url, {"action": "delete", "numbers": ["1"]}, **HX)
    assert response.status_code == 403
    assert Ticket.objects.count() == 1


def test_export_csv_neutralises_formulas(client, manager, workspace):
    manager.save()
    client.force_login(manager)
    make_ticket(workspace, manager, subject="=HYPERLINK(1)")
    url = reverse("tickets:bulk", args=["acme"])
    response = client.post(url, {"action": "export", "all_matching": "1"})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in body


def test_saved_view_is_pinned_with_live_count(client_agent, workspace, agent):
    make_ticket(workspace, agent, priority=5)
    make_ticket(workspace, agent, priority=1)
    url = reverse("tickets:view_create", args=["acme"])
    response = client_agent.post(
        url, {"name": "Urgent", "is_pinned": "on", "query": "priority=5"}
    )
    view = SavedView.objects.get()
    assert view.filters == {"priority": "5"} and view.owner == agent
    assert response.status_code == 302
    html = client_agent.get(response["Location"]).content.decode()
    assert 'data-view="Urgent"' in html
    assert 'Urgent <span class="count">1</span>' in html


def test_create_ticket_from_conversation(client_agent, workspace, agent):
    conversation = conversations.conversation_create(workspace=workspace, channel="web")
    url = reverse("tickets:from_conversation", args=["acme", conversation.pk])
    response = client_agent.post(url, {"subject": "Follow up"})
    ticket = Ticket.objects.get()
    assert ticket.primary_conversation == conversation
    assert response["Location"].endswith(f"/tickets/{ticket.number}/")


def _count_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["list", "board"])
def test_query_count_is_the_same_for_25_and_100_rows(
    client_agent, workspace, agent, view
):
    SavedView.objects.create(
        workspace=workspace,
        owner=agent,
        name="Mine",
        filters={"assignee": "me"},
        is_pinned=True,
    )
    url = reverse("tickets:index", args=["acme"]) + f"?view={view}"
    make_rows(workspace, agent, 25)
    client_agent.get(url)  # warm the session
    at_25 = _count_queries(client_agent, url)
    make_rows(workspace, agent, 75)
    at_100 = _count_queries(client_agent, url)
    assert at_25 == at_100
    assert at_100 == PINNED_QUERIES[view], at_100


# The tickets page's query budget: session (read, not written back when unchanged),
# user, membership, sidebar counts, one pinned view, stats (the list's count is
# theirs), members and labels, and the rows with their tags, SLA clocks and
# external links (list) or the cards of all open columns in one query (board).
PINNED_QUERIES = {"list": 16, "board": 16}
# The panel: 14 (tags come with the ticket), plus the comments' attachments and the
# composer's macros, the deliveries of comments and of messages, and the composer's
# reply channels.
PANEL_QUERIES = 19


def test_detail_panel_query_count_is_pinned(client_agent, workspace, agent):
    make_rows(workspace, agent, 5)
    ticket = Ticket.objects.order_by("number").first()
    services.comment_add(ticket=ticket, actor=agent, body="note")
    url = reverse("tickets:detail", args=["acme", ticket.number])
    client_agent.get(url, **HX)  # warm the session
    assert _count_queries(client_agent, url, **HX) == PANEL_QUERIES
    for n in range(3):
        services.comment_add(ticket=ticket, actor=agent, body=f"r{n}", is_public=True)
    assert _count_queries(client_agent, url, **HX) == PANEL_QUERIES


def test_board_column_loads_more_cards_on_scroll(client_agent, workspace, agent):
    for i in range(25):
        make_ticket(workspace, agent, subject=f"Card {i}")
    base = reverse("tickets:index", args=["acme"])
    board = client_agent.get(base + "?view=board").content.decode()
    assert board.count('class="card-ticket"') == 20
    assert "column=open&amp;page=2" in board
    more = client_agent.get(
        base + "?view=board&column=open&page=2", **HX
    ).content.decode()
    assert more.count('class="card-ticket"') == 5
    assert "load-more" not in more


def test_empty_filtered_list_offers_to_clear_filters(client_agent, workspace, agent):
    make_ticket(workspace, agent)
    url = reverse("tickets:index", args=["acme"]) + "?priority=1"
    html = client_agent.get(url).content.decode()
    assert "No tickets match these filters" in html and "Clear all filters" in html


def test_workspace_switcher_lists_the_agents_workspaces(
    client_agent, agent, other_workspace
):
    other_workspace.memberships.create(user=agent, role="agent")
    html = client_agent.get(reverse("tickets:index", args=["globex"])).content.decode()
    assert 'id="workspace-switcher"' in html
    assert reverse("tickets:index", args=["acme"]) in html
    response = client_agent.get(reverse("tickets:list"))
    assert response["Location"] == reverse("tickets:index", args=["globex"])


def test_optional_url_is_empty_for_an_app_not_installed():
    assert optional_url("no_such_app:index") == ""
    assert optional_url("tickets:index", "acme") == "/w/acme/tickets/"


def test_panel_shows_transcript_escalation_and_conversations(
    client_agent, workspace, agent
):
    from django.utils import timezone

    conversation = conversations.conversation_create(
        workspace=workspace,
        channel="web",
        messages=[
            {
                "author_kind": "contact",
                "body": "My card was charged twice",
                "sent_at": timezone.now(),
            },
        ],
    )
    other = conversations.conversation_create(
        workspace=workspace, channel="email", handled_by="human"
    )
    ticket = make_ticket(
        workspace,
        agent,
        primary_conversation=conversation,
        question="Why two charges?",
        answer="Let me check",
        ai_raw_response='{"intent": "refund"}',
        confidence=42,
    )
    ticket.associated_conversations.add(other)
    html = client_agent.get(
        reverse("tickets:detail", args=["acme", ticket.number]), **HX
    ).content.decode()
    assert "My card was charged twice" in html
    assert 'aria-valuenow="42"' in html and "Why two charges?" in html
    assert 'aria-label="AI agent"' in html and 'aria-label="Human"' in html


def test_counts_stop_at_the_cap_and_say_so(client_agent, workspace, agent, monkeypatch):
    """Counting a million tickets on every page view is too slow: past COUNT_CAP the
    page says "3+" (here the cap is 3) and pages through what it counted."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(5):
        make_ticket(workspace, agent, subject=f"Capped {i}")

    html = client_agent.get(reverse("tickets:index", args=["acme"])).content.decode()

    assert "<strong>3+</strong> tickets" in html
    assert 'My tickets <span class="count">3+</span>' in html
    assert 'Unassigned <span class="count">0</span>' in html


def test_capped_counts_are_exact_below_the_cap(workspace, agent):
    make_ticket(workspace, agent, subject="One")
    make_ticket(workspace, None, subject="Two")
    tickets = Ticket.objects.filter(workspace=workspace)

    counts = capped_counts(
        {
            "all": tickets,
            "mine": tickets.filter(assignee=agent),
            "none": tickets.none(),
        },
        cap=1,
    )

    assert counts == {"all": 1, "mine": 1, "none": 0}
    assert (str(counts["all"]), str(counts["mine"])) == ("1+", "1")
    assert str(Tally.total(counts.values())) == "2+"
