"""Live updates in Chromium: a reply written under the thread, a customer message
posted to the API showing in an open panel and marking the row unread in a second
browser within 5 s, and two agents on one ticket seeing each other's presence."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from tests.factories import ContactFactory, ConversationFactory, make_ticket
from tickets.models import Message, Ticket

pytestmark = pytest.mark.e2e

LEAVE_WITHIN = 5_000  # ms
LIVE_WITHIN = 5000  # ms: the bound for "changes made by others"


@pytest.fixture
def chat_ticket(team):
    workspace, agent = team["workspace"], team["agent"]
    contact = ContactFactory(workspace=workspace, name="Dana Customer", email="d@x.io")
    conversation = ConversationFactory(workspace=workspace, contact=contact)
    Message.objects.create(
        conversation=conversation,
        author_kind="contact",
        body="My printer smokes",
        sent_at=conversation.started_at,
    )
    ticket = make_ticket(workspace, agent, subject="Smoking printer", assignee=agent)
    Ticket.objects.filter(pk=ticket.pk).update(primary_conversation=conversation)
    return ticket, conversation


def panel_url(live_server, ticket):
    return f"{live_server.url}/w/acme/tickets/{ticket.number}/"


def test_a_reply_written_under_the_thread_appears_in_it(
    page_as, live_server, team, chat_ticket
):
    ticket, _ = chat_ticket
    page = page_as(team["agent"])
    page.goto(panel_url(live_server, ticket))
    thread = page.locator("#thread")
    expect(page.locator("#tab-conversation")).to_have_attribute("aria-selected", "true")
    expect(thread).to_contain_text("Dana Customer")
    page.check("#composer input[value=public]")
    expect(page.locator("#composer-send")).to_have_text("Send reply")
    page.fill("#comment-body", "A new fan is **on its way**")
    page.click("#composer-preview-btn")
    expect(page.locator("#composer-preview strong")).to_have_text("on its way")
    page.click("#composer-send")
    expect(thread.locator(".comment.public .prose strong")).to_have_text("on its way")
    under = page.evaluate(
        "document.querySelector('#composer').getBoundingClientRect().top"
        " > document.querySelector('#thread').getBoundingClientRect().bottom - 1"
    )
    assert under  # the composer is under the thread
    assert ticket.comments.get().is_public is True


def test_customer_message_shows_in_open_panel_and_marks_row_unread(
    page_as, live_server, team, chat_ticket, screenshots
):
    ticket, conversation = chat_ticket
    make_ticket(team["workspace"], None, subject="Other")
    # The assignee has the list open; the manager has the ticket's panel open.
    list_page = page_as(team["agent"])
    list_page.goto(f"{live_server.url}/w/acme/tickets/")
    expect(list_page.locator("tr.row")).to_have_count(2)
    expect(list_page.locator("tr.row.unread")).to_have_count(0)
    panel_page = page_as(team["manager"])
    panel_page.goto(panel_url(live_server, ticket))
    expect(panel_page.locator("#thread")).to_contain_text("My printer smokes")

    token = Token.objects.create(user=team["manager"])
    request = urllib.request.Request(  # noqa: S310 - the live server on loopback
        f"{live_server.url}/api/v1/workspaces/acme/conversations/"
        f"{conversation.pk}/messages/",
        data=json.dumps(
            {"messages": [{"author_kind": "contact", "body": "Now it beeps too"}]}
        ).encode(),
        headers={
            "Authorization": f"Token {token.key}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 201

    expect(panel_page.locator("#thread")).to_contain_text(
        "Now it beeps too", timeout=LIVE_WITHIN
    )
    row = list_page.locator(f"tr.row[data-number='{ticket.number}']")
    expect(row).to_have_class("row unread", timeout=LIVE_WITHIN)
    expect(row).to_contain_text("New reply")
    expect(list_page.locator('[data-queue="unread"] .count')).to_have_text(
        "1", timeout=LIVE_WITHIN
    )
    expect(list_page.locator("#bell-count")).to_have_text("1", timeout=LIVE_WITHIN)
    list_page.screenshot(path=screenshots / "list-unread-bell.png")

    # The assignee opens it: the row is no longer bold, the notice is read.
    list_page.click("text=Smoking printer")
    expect(list_page.locator("#thread")).to_contain_text("Now it beeps too")
    expect(list_page.locator("tr.row.unread")).to_have_count(0)
    list_page.click("#bell-menu summary")
    expect(list_page.locator("#bell-list")).to_contain_text(
        "Customer replied: TKT-1 Smoking printer"
    )


def test_two_agents_on_one_ticket_see_each_other(
    page_as, live_server, team, chat_ticket, screenshots
):
    ticket, _ = chat_ticket
    alex = page_as(team["agent"])
    morgan = page_as(team["manager"])
    alex.goto(panel_url(live_server, ticket))
    morgan.goto(panel_url(live_server, ticket))
    expect(alex.locator("#presence")).to_have_text(
        "Morgan is viewing", timeout=LIVE_WITHIN
    )
    expect(morgan.locator("#presence")).to_contain_text(
        "Alex Agent is viewing", timeout=LIVE_WITHIN
    )
    morgan.click("#comment-body")
    morgan.keyboard.type("Drafting an answer")
    expect(alex.locator("#presence")).to_have_text(
        "Morgan is replying", timeout=LIVE_WITHIN
    )
    alex.locator("#panel").screenshot(path=screenshots / "panel-thread-presence.png")

    # Morgan leaves: the page's beacon clears the presence at Alex's next poll (3 s),
    # well before the heartbeat's 10 s TTL would (7 to 13 s after the last beat).
    morgan.goto(f"{live_server.url}/w/acme/conversations/")
    expect(alex.locator("#presence")).to_be_hidden(timeout=LEAVE_WITHIN)
