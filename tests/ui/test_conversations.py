"""The conversations inbox and a conversation's page, through the Django client."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, make_ticket
from tests.querycount import assert_same_cost
from tickets import conversations, services
from tickets.models import Conversation, Message, Ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def inbox(**params):
    return reverse("tickets:conversations", args=["acme"]), params


def page(conversation):
    return reverse("tickets:conversation", args=["acme", conversation.pk])


def chat(
    workspace, *, name="Dana Scully", minutes=0, messages=None, ended_at=None, **fields
):
    contact = ContactFactory(
        workspace=workspace, name=name, email=f"{name.split()[0].lower()}@ex.org"
    )
    started = T0 + timedelta(minutes=minutes)
    conversation = conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        started_at=started,
        messages=messages
        if messages is not None
        else [
            {
                "author_kind": "contact",
                "body": "My invoice 77 is wrong.",
                "sent_at": started,
            },
            {
                "author_kind": "ai",
                "body": "Let me look that up.",
                "sent_at": started + timedelta(minutes=1),
            },
        ],
        **fields,
    )
    if ended_at is not None:  # conversation_end stamps now; the test wants a time
        conversations.conversation_end(conversation=conversation, actor=None)
        Conversation.objects.filter(pk=conversation.pk).update(ended_at=ended_at)
    return conversation


def rows(html):
    return html.count('class="conversation-row"')


@pytest.mark.django_db
class TestInbox:
    def test_lists_every_conversation_with_its_state_and_tickets(
        self, client_agent, workspace, agent
    ):
        ai = chat(workspace, name="Ada Lovelace", minutes=1)
        escalated = chat(workspace, name="Bo Diddley", minutes=2)
        ticket = make_ticket(workspace, agent, primary_conversation=escalated)
        chat(workspace, name="Cy Twombly", minutes=3, handled_by="human")
        chat(workspace, name="Di Fossey", minutes=4, ended_at=T0)
        url, params = inbox()
        response = client_agent.get(url, params)
        html = response.content.decode()
        assert response.status_code == 200
        assert rows(html) == 4
        for name, state in [
            ("Ada Lovelace", "AI handled"),
            ("Bo Diddley", "Escalated"),
            ("Cy Twombly", "Handed to a human"),
            ("Di Fossey", "Closed"),
        ]:
            assert name in html
            assert f">{state}</span>" in html
        assert f">{ticket.ref}</a>" in html
        assert "Let me look that up." in html  # the last message
        assert html.index("Di Fossey") < html.index("Ada Lovelace")  # newest first
        assert ai.pk

    @pytest.mark.parametrize(
        "params, expected",
        [
            ({"state": "escalated"}, ["Bo"]),
            ({"state": "ai"}, ["Ada"]),
            ({"state": "human"}, ["Cy"]),
            ({"has_ticket": "yes"}, ["Bo"]),
            ({"has_ticket": "no"}, ["Ada", "Cy"]),
            ({"channel": "EMAIL"}, ["Cy"]),
            ({"q": "refund"}, ["Ada"]),
            ({"q": "bo@ex"}, ["Bo"]),
            ({"started_after": "2026-03-02", "started_before": "2026-03-02"}, ["Ada"]),
        ],
    )
    def test_filters_narrow_the_list_and_show_a_removable_chip(
        self, client_agent, workspace, agent, params, expected
    ):
        refund = [{"author_kind": "contact", "body": "I want a refund", "sent_at": T0}]
        chat(workspace, name="Ada Lovelace", messages=refund)
        bo = chat(workspace, name="Bo Diddley", minutes=60 * 24)
        make_ticket(workspace, agent, primary_conversation=bo)
        chat(
            workspace,
            name="Cy Twombly",
            minutes=60 * 48,
            handled_by="human",
            channel="email",
        )
        url, _ = inbox()
        html = client_agent.get(url, params).content.decode()
        shown = [n for n in ["Ada", "Bo", "Cy"] if f">{n} " in html]
        assert shown == expected
        assert html.count('class="chip"') == len(params)
        name, value = next(iter(params.items()))
        chip_url = html.split('class="chip" href="')[1].split('"')[0]
        assert f"{name}=" not in unescape(chip_url)

    def test_contact_filter_shows_the_contacts_name_and_refuses_another_workspaces(
        self, client_agent, workspace, other_workspace
    ):
        ada = chat(workspace, name="Ada Lovelace")
        chat(workspace, name="Bo Diddley")
        url, _ = inbox()
        html = client_agent.get(url, {"contact": ada.contact_id}).content.decode()
        assert rows(html) == 1
        assert '<span class="chip-name">Contact:</span> Ada Lovelace' in html
        foreign = ContactFactory(workspace=other_workspace)
        response = client_agent.get(url, {"contact": foreign.pk})
        assert response.status_code == 400
        assert "Contact: No contact with id" in response.content.decode()
        assert rows(response.content.decode()) == 0

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"state": "asleep"}, "State"),
            ({"has_ticket": "maybe"}, "Ticket"),
            ({"started_after": "yesterday"}, "started"),
            ({"contact": "99999999999999999999999"}, "Contact"),
            ({"q": "x" * 201}, "Search"),
            ({"q": "a\x00b"}, "Search"),
            ({"channel": "w\x00b"}, "Channel"),
            ({"cursor": "garbage!"}, "Page"),
            ({"cursor": "cD1nYXJiYWdl"}, "Page"),  # base64 of p=garbage
        ],
    )
    def test_bad_filters_answer_400_naming_the_field(
        self, client_agent, workspace, params, field
    ):
        chat(workspace)
        url, _ = inbox()
        response = client_agent.get(url, params)
        assert response.status_code == 400
        assert f"{field}:" in response.content.decode()

    def test_cursor_pages_walk_every_conversation_once(self, client_agent, workspace):
        for i in range(55):
            chat(workspace, name=f"Person{i:02d} X", minutes=i, messages=[])
        url, _ = inbox()
        first = client_agent.get(url).content.decode()
        assert rows(first) == 50
        next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        second = client_agent.get(next_url.replace("&amp;", "&")).content.decode()
        assert rows(second) == 5
        assert "Person04 X" in second and "Person05 X" not in second
        assert 'rel="prev"' in second and 'rel="next"' not in second

    def test_another_workspace_is_404_and_its_conversations_are_not_listed(
        self, client_agent, other_workspace
    ):
        chat(other_workspace, name="Eve Foreign")
        response = client_agent.get(reverse("tickets:conversations", args=["globex"]))
        assert response.status_code == 404
        url, _ = inbox()
        assert "Eve Foreign" not in client_agent.get(url).content.decode()

    def test_a_list_of_50_costs_what_a_list_of_1_costs(
        self, client_agent, workspace, agent
    ):
        url, _ = inbox()

        def cost():
            with CaptureQueriesContext(connection) as ctx:
                assert client_agent.get(url).status_code == 200
            return len(ctx)

        conversation = chat(workspace, name="One Only")
        make_ticket(workspace, agent, primary_conversation=conversation)
        one = cost()
        for i in range(49):
            c = chat(workspace, name=f"Many{i} X", minutes=i)
            t = make_ticket(workspace, agent, primary_conversation=c)
            services.ticket_add_conversation(
                ticket=t, conversation=conversation, actor=agent
            )
        many = cost()
        assert_same_cost(one, many, pinned=PINNED_INBOX)


# Measured: the page shell, the rows, their primary and associated tickets.
PINNED_INBOX = 9


@pytest.mark.django_db
class TestConversationPage:
    def test_shows_the_transcript_with_names_icons_and_tool_calls(
        self, client_agent, workspace, agent
    ):
        workspace.timezone = "Europe/Paris"
        workspace.save()
        conversation = chat(
            workspace,
            name="Dana Scully",
            messages=[
                {"author_kind": "contact", "body": "Charged twice!", "sent_at": T0},
                {
                    "author_kind": "tool",
                    "body": "lookup_order",
                    "sent_at": T0 + timedelta(minutes=1),
                    "tool_call": {
                        "name": "lookup_order",
                        "arguments": {"order": SCRIPT},
                        "result": {"charges": 2},
                        "status": "ok",
                    },
                },
                {
                    "author_kind": "ai",
                    "body": "I see two charges.",
                    "sent_at": T0 + timedelta(minutes=2),
                },
                {
                    "author_kind": "agent",
                    "body": "Refunded.",
                    "author_user": agent,
                    "sent_at": T0 + timedelta(minutes=3),
                },
            ],
        )
        response = client_agent.get(page(conversation))
        html = response.content.decode()
        assert response.status_code == 200
        assert "<strong>Dana Scully</strong>" in html  # not "Contact"
        assert "<strong>AI agent</strong>" in html
        assert f"<strong>{agent.get_full_name() or agent.username}</strong>" in html
        assert '<details class="tool-call">' in html
        assert '<span class="mono">lookup_order</span>' in html
        assert "&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;" in html
        assert SCRIPT not in html
        assert "&quot;charges&quot;: 2" in html
        for kind in ("contact", "ai", "agent", "tool"):
            assert f'class="kind-icon {kind}"' in html
        assert "2 Mar, 10:00" in html  # 09:00 UTC in Paris

    def test_lists_the_tickets_it_feeds_and_warns_of_an_open_one(
        self, client_agent, workspace, agent
    ):
        conversation = chat(workspace)
        ticket = make_ticket(workspace, agent, primary_conversation=conversation)
        html = client_agent.get(page(conversation) + "?create=1").content.decode()
        detail = reverse("tickets:detail", args=["acme", ticket.number])
        assert f'href="{detail}" class="ref">{ticket.ref}</a>' in html
        assert "already feeds an open ticket" in html
        assert 'name="confirm_another"' in html

    def test_the_dialog_is_prefilled_from_the_transcript(self, client_agent, workspace):
        conversation = chat(workspace)
        html = client_agent.get(page(conversation)).content.decode()
        assert 'name="subject"' not in html  # the draft is read when the dialog opens
        html = client_agent.get(
            page(conversation) + "?create=1", HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "<html" not in html  # the dialog's body alone
        assert 'name="subject" value="My invoice 77 is wrong."' in html
        assert "Customer: My invoice 77 is wrong. AI: Let me look that up." in html
        assert "already feeds" not in html

    def test_an_id_past_the_integer_range_is_404(self, client_agent, workspace):
        huge = "/w/acme/conversations/99999999999999999999999/"
        assert client_agent.get(huge).status_code == 404
        assert client_agent.post(huge + "ticket/", {}).status_code == 404

    def test_another_workspaces_conversation_is_404(
        self, client_agent, other_workspace
    ):
        foreign = chat(other_workspace)
        assert client_agent.get(page(foreign)).status_code == 404
        url = reverse("tickets:from_conversation", args=["acme", foreign.pk])
        assert (
            client_agent.post(url, {"subject": "x", "priority": 3}).status_code == 404
        )
        assert Ticket.objects.count() == 0


@pytest.mark.django_db
class TestCreateTicket:
    def url(self, conversation):
        return reverse("tickets:from_conversation", args=["acme", conversation.pk])

    def test_confirmed_dialog_opens_the_ticket_on_the_conversation(
        self, client_agent, workspace, agent
    ):
        conversation = chat(workspace)
        response = client_agent.post(
            self.url(conversation), {"subject": "Invoice 77 wrong", "priority": 4}
        )
        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("tickets:detail", args=["acme", 1])
        assert ticket.subject == "Invoice 77 wrong"
        assert ticket.priority == 4
        assert ticket.primary_conversation == conversation
        assert ticket.requester == conversation.contact
        assert ticket.assignee == agent
        assert (
            ticket.summary
            == "Customer: My invoice 77 is wrong. AI: Let me look that up."
        )

    def test_a_blank_subject_takes_the_customers_words(self, client_agent, workspace):
        conversation = chat(workspace)
        assert client_agent.post(self.url(conversation), {}).status_code == 302
        ticket = Ticket.objects.get()
        assert ticket.subject == "My invoice 77 is wrong."
        assert ticket.priority == 3

    def test_htmx_post_redirects_the_browser(self, client_agent, workspace):
        conversation = chat(workspace)
        response = client_agent.post(
            self.url(conversation),
            {"subject": "x", "priority": 3},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == reverse("tickets:detail", args=["acme", 1])

    def test_an_open_ticket_needs_confirming_another(
        self, client_agent, workspace, agent
    ):
        conversation = chat(workspace)
        make_ticket(workspace, agent, primary_conversation=conversation)
        response = client_agent.post(
            self.url(conversation), {"subject": "again", "priority": 3}
        )
        assert response.status_code == 422
        assert "tick the box to open another ticket anyway" in response.content.decode()
        assert Ticket.objects.count() == 1
        response = client_agent.post(
            self.url(conversation),
            {"subject": "again", "priority": 3, "confirm_another": "1"},
        )
        assert response.status_code == 302
        assert Ticket.objects.count() == 2

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"subject": "x" * 201, "priority": 3}, "at most 200 characters"),
            ({"subject": "x", "priority": 9}, "Select a valid choice"),
            ({"subject": "x", "priority": 3, "team": "abc"}, "No team with that id"),
        ],
    )
    def test_bad_input_is_422_with_the_error_and_writes_nothing(
        self, client_agent, workspace, data, message
    ):
        conversation = chat(workspace)
        response = client_agent.post(
            self.url(conversation), data, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 422
        assert message in response.content.decode()
        assert Ticket.objects.count() == 0

    def test_a_get_is_refused(self, client_agent, workspace):
        conversation = chat(workspace)
        assert client_agent.get(self.url(conversation)).status_code == 405
        assert Message.objects.count() == 2 and Conversation.objects.count() == 1


def test_every_inbox_filter_has_a_chip_and_a_readme_mention():
    from pathlib import Path

    from tickets.conversation_filters import ConversationFilterSet
    from tickets.ui.conversation_listing import CHIP_NAMES

    names = []
    for name in ConversationFilterSet.base_filters:
        ranged = name == "started"  # a date range: two parameters
        names += [f"{name}_after", f"{name}_before"] if ranged else [name]
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert sorted(names) == sorted(CHIP_NAMES)
    for name in names:
        assert f"`{name}" in readme, name
