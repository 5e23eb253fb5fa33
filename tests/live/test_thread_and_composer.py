"""The Conversation tab: every linked conversation's transcript with real names,
replies and notes in one thread, the composer under it, the Markdown preview."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories import ConversationFactory, make_ticket
from tests.live.conftest import HX
from tickets import services
from tickets.models import Message


def test_panel_opens_on_the_thread_with_every_conversation(client_agent, chat, agent):
    conversation, ticket = chat
    start = timezone.now() - timedelta(hours=1)
    Message.objects.create(
        conversation=conversation,
        author_kind="contact",
        body="My printer smokes",
        sent_at=start,
    )
    other = ConversationFactory(workspace=ticket.workspace, external_id="mail-9")
    Message.objects.create(
        conversation=other,
        author_kind="ai",
        author_name="Bot",
        body="Second chat <b>hi</b>",
        sent_at=start + timedelta(minutes=2),
    )
    services.ticket_add_conversation(ticket=ticket, conversation=other, actor=agent)
    services.comment_add(
        ticket=ticket, actor=agent, body="Checking **now**", is_public=False
    )
    response = client_agent.get(reverse("tickets:detail", args=["acme", 1]), **HX)
    html = response.content.decode()
    assert response.context["tab"] == "conversation"
    thread = html[html.index('id="thread"') : html.index('id="composer"')]
    # In the order written: the customer (by name), the other chat, the note.
    assert thread.index("Dana Customer") < thread.index("Second chat &lt;b&gt;hi")
    assert thread.index("Second chat") < thread.index("<strong>now</strong>")
    assert "Internal note" in thread
    assert html.index('id="thread"') < html.index('id="composer"')


def test_a_ticket_without_conversation_opens_on_details(client_agent, workspace, agent):
    make_ticket(workspace, agent)
    response = client_agent.get(reverse("tickets:detail", args=["acme", 1]), **HX)
    assert response.context["tab"] == "details"
    unknown = client_agent.get(
        reverse("tickets:detail", args=["acme", 1]), {"tab": "<x>"}, **HX
    )
    assert unknown.context["tab"] == "details"


def test_a_reply_under_the_thread_lands_in_it(client_agent, chat):
    url = reverse("tickets:comment", args=["acme", 1])
    response = client_agent.post(
        url,
        {"body": "We sent a *new* fan", "visibility": "public", "tab": "conversation"},
        **HX,
    )
    assert response.status_code == 200
    assert response.context["tab"] == "conversation"
    html = response.content.decode()
    assert "<em>new</em>" in html[html.index('id="thread"') :]
    assert "Public reply" in html


def test_preview_renders_markdown_sanitised(client_agent, chat):
    url = reverse("tickets:preview", args=["acme", 1])
    html = client_agent.post(url, {"body": "**hi** <script>x()</script>"}, **HX)
    assert "<strong>hi</strong>" in html.content.decode()
    assert "<script>" not in html.content.decode()
    empty = client_agent.post(url, {"body": ""}, **HX).content.decode()
    assert "Nothing to preview" in empty
    long = client_agent.post(url, {"body": "x" * 100_001}, **HX)
    assert long.status_code == 422 and "100000" in long.content.decode().replace(
        ",", ""
    )


def test_preview_of_another_workspaces_ticket_is_404(client, other_workspace, agent):
    make_ticket(other_workspace, None)
    client.force_login(agent)
    url = reverse("tickets:preview", args=["globex", 1])
    assert client.post(url, {"body": "x"}, **HX).status_code == 404
