"""Long transcripts are paged, newest page first with "Load earlier": on the
conversation page and in the ticket panel's thread. Every page costs the same
queries whatever the transcript's length, and walking the pages back shows every
entry once, in order, also when several share one second."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, make_ticket
from tickets import conversations, services
from tickets.models import Comment

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def chat(workspace, count, *, second=lambda i: i // 3, external_id=""):
    """A conversation of `count` messages "m0".."m<count-1>", three a second."""
    contact = ContactFactory(workspace=workspace, name="Dana Scully")
    return conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        external_id=external_id,
        started_at=T0,
        messages=[
            {
                "author_kind": ("contact", "ai")[i % 2],
                "body": f"m{i}",
                "sent_at": T0 + timedelta(seconds=second(i)),
            }
            for i in range(count)
        ],
    )


def bodies(html):
    return re.findall(r'<div class="msg-body">(m\d+)</div>', html)


def earlier_link(html):
    found = re.search(r'hx-get="([^"]+\?before=[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def page_url(conversation):
    return reverse("tickets:conversation", args=["acme", conversation.pk])


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **headers).status_code == 200
    return len(ctx)


@pytest.mark.django_db
class TestConversationPage:
    def test_newest_page_first_and_load_earlier_walks_every_message_once(
        self, client_agent, workspace
    ):
        conversation = chat(workspace, 250)
        html = client_agent.get(page_url(conversation)).content.decode()
        assert "250 messages, the latest 100 shown" in html
        assert bodies(html) == [f"m{i}" for i in range(150, 250)]
        seen = bodies(html)
        url = earlier_link(html)
        pages = 1
        while url:
            part = client_agent.get(url, **HX).content.decode()
            assert "<html" not in part  # only the items, swapped in place
            seen = bodies(part) + seen
            url = earlier_link(part)
            pages += 1
        assert pages == 3
        assert seen == [f"m{i}" for i in range(250)]

    def test_one_50_and_2000_messages_cost_the_same(self, client_agent, workspace):
        costs = [
            queries(client_agent, page_url(chat(workspace, n, external_id=f"c{n}")))
            for n in (1, 50, 2000)
        ]
        assert costs == [PINNED_PAGE] * 3

    @pytest.mark.parametrize("before", ["abc", "0", "-1", "9" * 30, "foreign"])
    def test_a_bad_cursor_is_400_naming_it(
        self, client_agent, workspace, other_workspace, before
    ):
        conversation = chat(workspace, 120)
        if before == "foreign":  # a message of another workspace's conversation
            before = str(chat(other_workspace, 1).messages.get().pk)
        response = client_agent.get(f"{page_url(conversation)}?before={before}", **HX)
        assert response.status_code == 400
        assert response.content.decode().startswith("before: No message")


# Session, user, membership; the conversation, the tickets it feeds (primary and
# associated); the page of messages and the count; sidebar counts, saved views and
# memberships of the page shell.
PINNED_PAGE = 11


def thread_entries(html):
    return re.findall(r'data-entry="([mc]\d+)"', html)


@pytest.mark.django_db
class TestPanelThread:
    def ticket_with_long_thread(self, workspace, agent, count, name="a"):
        """A ticket on a `count`-message conversation, an associated conversation
        of 20 and 30 comments, written at the same seconds as the messages."""
        primary = chat(workspace, count, external_id=f"{name}-primary")
        ticket = make_ticket(workspace, agent, primary_conversation=primary)
        other = chat(workspace, 20, second=lambda i: 3 * i, external_id=f"{name}-other")
        services.ticket_add_conversation(ticket=ticket, conversation=other, actor=agent)
        for i in range(30):
            comment = services.comment_add(ticket=ticket, actor=agent, body=f"c{i}")
            Comment.objects.filter(pk=comment.pk).update(
                created_at=T0 + timedelta(seconds=2 * i)
            )
        return ticket, primary, other

    def test_load_earlier_walks_every_entry_once_in_order(
        self, client_agent, workspace, agent
    ):
        ticket, primary, other = self.ticket_with_long_thread(workspace, agent, 90)
        # Written here, not by the code: (second, kind, id), messages before
        # comments at one second, then by id.
        expected = sorted(
            [(m.sent_at, 0, m.pk) for m in primary.messages.all()]
            + [(m.sent_at, 0, m.pk) for m in other.messages.all()]
            + [(c.created_at, 1, c.pk) for c in ticket.comments.all()]
        )
        expected = [("m" if kind == 0 else "c") + str(pk) for _, kind, pk in expected]
        assert len(expected) == 140
        url = reverse("tickets:detail", args=["acme", ticket.number])
        html = client_agent.get(url, **HX).content.decode()
        seen = thread_entries(html)
        assert seen == expected[-50:]
        link, pages = earlier_link(html), 1
        while link:
            part = client_agent.get(link, **HX).content.decode()
            seen = thread_entries(part) + seen
            link, pages = earlier_link(part), pages + 1
        assert pages == 3
        assert seen == expected

    def test_the_panel_costs_the_same_for_1_and_2000_messages(
        self, client_agent, workspace, agent
    ):
        small, *_ = self.ticket_with_long_thread(workspace, agent, 1)
        small_url = reverse("tickets:detail", args=["acme", small.number])
        client_agent.get(small_url, **HX)  # warm the session
        one = queries(client_agent, small_url, **HX)
        big, *_ = self.ticket_with_long_thread(workspace, agent, 2000, name="b")
        big_url = reverse("tickets:detail", args=["acme", big.number])
        assert one == PINNED_PANEL_WITH_THREAD
        assert queries(client_agent, big_url, **HX) == PINNED_PANEL_WITH_THREAD

    @pytest.mark.parametrize("before", ["", "m", "x12", "m0", "c99999999"])
    def test_a_bad_cursor_is_400(self, client_agent, workspace, agent, before):
        ticket, *_ = self.ticket_with_long_thread(workspace, agent, 3)
        url = reverse("tickets:thread", args=["acme", ticket.number])
        response = client_agent.get(f"{url}?before={before}", **HX)
        assert response.status_code == 400
        assert response.content.decode().startswith("before: No entry")

    def test_another_workspaces_ticket_is_404(
        self, client_agent, other_workspace, agent
    ):
        foreign = make_ticket(other_workspace, None)
        url = reverse("tickets:thread", args=[other_workspace.slug, foreign.number])
        assert client_agent.get(f"{url}?before=c1", **HX).status_code == 404


# The panel's 19 without a conversation (tests/ui/test_tickets_page.py), plus the
# primary conversation, the thread's messages with their files and deliveries and
# the composer's reply route.
PINNED_PANEL_WITH_THREAD = 23
