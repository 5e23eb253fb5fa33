"""The AI Insights tab and its endpoints: the tab never waits on a provider (stored
insights, or a queued job and a poll), Regenerate, feedback, tenant isolation and
the pinned query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge import handlers
from knowledge import services as kb
from knowledge.models import InsightFeedback, TicketInsight
from tests.factories import MembershipFactory
from tickets import conversations, events, services

pytestmark = pytest.mark.django_db


def pane(number, slug="acme"):
    return f"/w/{slug}/tickets/{number}/insights/"


@pytest.fixture
def ticket(workspace, manager):
    return services.ticket_create(
        workspace=workspace,
        actor=manager,
        subject="Reset link never came",
        content="I asked for a password reset but no e-mail arrived. Urgent!",
    )


def test_creating_a_ticket_queues_its_insights_after_commit(
    workspace, manager, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(handlers.refresh_insights, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            workspace=workspace, actor=manager, subject="Printer jam"
        )
    assert queued == [[ticket.pk]]
    assert handlers.on_ticket_events in events.handlers()


def test_a_customer_message_queues_the_insights_again(
    workspace, manager, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    from tests.factories import ContactFactory

    contact = ContactFactory(workspace=workspace)
    conversation = conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        external_id="chat-1",
        messages=[{"author_kind": "contact", "body": "hi", "sent_at": timezone.now()}],
    )
    ticket = services.ticket_create(
        workspace=workspace,
        actor=manager,
        subject="Chat",
        primary_conversation=conversation,
    )
    queued = []
    monkeypatch.setattr(handlers.refresh_insights, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        added = conversations.messages_append(
            conversation,
            [conversations.MessageInput("contact", "Still!", timezone.now())],
        )
        conversations.customer_replied(conversation, added, None)
    assert queued == [[ticket.pk]]


def test_the_panel_lists_the_tab_and_loads_the_pane_lazily(client, agent, ticket):
    client.force_login(agent)
    html = client.get(
        f"/w/acme/tickets/{ticket.number}/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="tab-insights"' in html and "AI Insights" in html
    assert f'hx-get="{pane(ticket.number)}"' in html
    assert 'hx-trigger="intersect once"' in html


def test_the_pane_never_computes_it_queues_and_polls(
    client, agent, ticket, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(handlers.refresh_insights, "delay", queued.append)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(pane(ticket.number))
    assert response.status_code == 200
    assert "Computing…" in response.content.decode()
    assert 'hx-trigger="load delay:2s"' in response.content.decode()
    assert queued == [[ticket.pk]]
    assert not TicketInsight.objects.exists()


def test_the_pane_shows_the_stored_analysis(client, agent, ticket):
    kb.insight_refresh(ticket_id=ticket.pk)
    client.force_login(agent)
    html = client.get(pane(ticket.number)).content.decode()
    assert "Customer wants:" in html
    assert "I asked for a password reset but no e-mail arrived." in html
    assert "explicit" in html and "“urgent”" in html  # the urgency trigger word
    assert "load delay" not in html  # current: no poll


def test_regenerate_queues_even_when_current_and_polls_for_the_new_one(
    client, agent, ticket, django_capture_on_commit_callbacks, monkeypatch
):
    kb.insight_refresh(ticket_id=ticket.pk)
    queued = []
    monkeypatch.setattr(handlers.refresh_insights, "delay", queued.append)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pane(ticket.number) + "regenerate/")
    assert response.status_code == 200
    assert queued == [[ticket.pk]]
    html = response.content.decode()
    assert "Regenerating…" in html and "?since=" in html


def test_feedback_is_stored_once_per_agent_and_bad_input_is_a_400(
    client, agent, ticket
):
    client.force_login(agent)
    url = pane(ticket.number) + "feedback/"
    data = {"section": "article", "item": "article-7", "helpful": "yes"}
    assert client.post(url, data).status_code == 200
    data["helpful"] = "no"
    response = client.post(url, data)
    assert "Marked not helpful" in response.content.decode()
    row = InsightFeedback.objects.get()
    assert (row.section, row.item, row.helpful) == ("article", "article-7", False)
    for bad in (
        {"section": "nope", "item": "x", "helpful": "yes"},
        {"section": "article", "item": "<script>", "helpful": "yes"},
        {"section": "article", "item": "x", "helpful": "maybe"},
    ):
        response = client.post(url, bad)
        assert response.status_code == 400
        assert next(k for k in bad if k in response.content.decode())
    assert InsightFeedback.objects.count() == 1


def test_another_workspaces_ticket_is_a_404(client, agent, other_workspace, ticket):
    theirs = services.ticket_create(
        workspace=other_workspace, actor=None, subject="Reset link never came"
    )
    kb.insight_refresh(ticket_id=theirs.pk)
    client.force_login(agent)
    for url in (pane(theirs.number, "globex"), pane(999)):
        assert client.get(url).status_code == 404
    assert client.post(pane(999) + "regenerate/").status_code == 404


def test_insights_never_cross_workspaces(workspace, other_workspace, manager):
    text = {"subject": "Reset link never came", "content": "No reset e-mail arrived"}
    for ws in (workspace, other_workspace):
        kb.article_save(
            workspace=ws,
            actor=None,
            values={
                "title": f"{ws.slug} password reset",
                "body": "1. Reset.",
                "status": "published",
            },
        )
        resolved = services.ticket_create(workspace=ws, actor=None, **text)
        services.comment_add(
            ticket=resolved, actor=None, body=f"{ws.slug} reply", is_public=True
        )
    mine = services.ticket_create(workspace=workspace, actor=None, **text)
    data = kb.insight_refresh(ticket_id=mine.pk).data
    assert [a["title"] for a in data["articles"]] == ["acme password reset"]
    assert len(data["similar"]) == 1
    assert "globex" not in str(data)


@pytest.mark.parametrize("extra", [0, 12])
def test_the_pane_costs_the_same_for_one_or_many_suggestions(
    client, workspace, manager, extra
):
    for n in range(extra):
        kb.article_save(
            workspace=workspace,
            actor=manager,
            values={
                "title": f"Printer jam {n}",
                "body": "1. Open the tray.",
                "status": "published",
            },
        )
        t = services.ticket_create(
            workspace=workspace, actor=manager, subject=f"Printer jam again {n}"
        )
        services.comment_add(
            ticket=t, actor=manager, body="Opened the tray.", is_public=True
        )
    ticket = services.ticket_create(
        workspace=workspace, actor=manager, subject="Printer jam"
    )
    kb.insight_refresh(ticket_id=ticket.pk)
    client.force_login(manager)
    client.get(pane(ticket.number))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(pane(ticket.number))
    assert response.status_code == 200
    # session, user, membership, the ticket as a list row (with its tags, SLA
    # targets and sync links: 4), the latest insight, the agent's votes
    assert len(queries) == 9, [q["sql"] for q in queries.captured_queries]


def test_agents_may_not_create_articles_from_a_ticket(client, agent, ticket):
    client.force_login(agent)
    assert client.post(pane(ticket.number) + "article/").status_code == 404


def test_a_manager_creates_a_draft_article_from_a_ticket(client, manager, ticket):
    services.comment_add(
        ticket=ticket, actor=manager, body="Check the spam folder.", is_public=True
    )
    client.force_login(manager)
    response = client.post(pane(ticket.number) + "article/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    from knowledge.models import Article

    article = Article.objects.get()
    assert response["HX-Redirect"] == f"/w/acme/articles/{article.pk}/edit/"
    assert (article.title, article.status) == ("Reset link never came", "draft")
    assert "Check the spam folder." in article.body
    assert article.source_ticket_id == ticket.pk


def test_an_agent_of_the_workspace_sees_no_manager_buttons(client, workspace, ticket):
    user = MembershipFactory(workspace=workspace, role="agent").user
    kb.insight_refresh(ticket_id=ticket.pk)
    client.force_login(user)
    html = client.get(pane(ticket.number)).content.decode()
    assert "Create article from this ticket" not in html
    assert "Regenerate" in html


def test_the_reports_page_shows_insights_feedback(client, manager, agent, ticket):
    for user, helpful in ((manager, True), (agent, False)):
        kb.feedback_record(
            ticket=ticket,
            user=user,
            section="resolution",
            item="t1",
            helpful=helpful,
            provider="",
        )
    client.force_login(manager)
    page = client.get("/w/acme/reports/").content.decode()
    assert "/w/acme/reports/insights-feedback/?start=" in page
    today = ticket.created_at.date().isoformat()
    url = f"/w/acme/reports/insights-feedback/?start={today}&end={today}"
    html = client.get(url).content.decode()
    assert (
        '<tr data-section="resolution"><td>Suggested resolution</td><td>1</td>'
        "<td>1</td><td>50 %</td></tr>"
    ) in html
    bad = client.get("/w/acme/reports/insights-feedback/?start=x&end=2026-01-01")
    assert bad.status_code == 400 and b"start and end" in bad.content
    client.force_login(agent)
    assert client.get(url).status_code == 404
