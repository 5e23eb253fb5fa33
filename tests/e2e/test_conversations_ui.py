"""The conversations inbox in Chromium: inbox -> conversation -> Create ticket
(confirm dialog) -> the new ticket's panel; another workspace's agent gets 404.

Screenshots of the inbox and the conversation page go to a temporary folder;
`SCREENSHOTS_DIR=docs/screenshots` refreshes the ones the README shows.
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk.services import contact_upsert
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tickets import conversations
from tickets.intake import service
from tickets.models import Ticket

pytestmark = pytest.mark.e2e
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes):
    return (T0 + timedelta(minutes=minutes)).isoformat()


def escalated(workspace):
    """A conversation with tool calls, escalated into a ticket by the intake."""
    return service.escalation_intake(
        workspace=workspace,
        actor=None,
        payload={
            "escalate": True,
            "reason": "Refund over the AI's limit",
            "conversation": {
                "external_id": "web-7781",
                "channel": "web",
                "contact": {"name": "Dana Scully", "email": "dana@example.org"},
                "messages": [
                    {
                        "author_kind": "contact",
                        "body": "I was charged twice for order 1234.",
                        "sent_at": at(0),
                    },
                    {
                        "author_kind": "tool",
                        "sent_at": at(1),
                        "tool_call": {
                            "name": "lookup_order",
                            "arguments": {"order_id": "1234", "note": "<b>hi</b>"},
                            "result": {"charges": [49.0, 49.0], "status": "paid"},
                        },
                    },
                    {
                        "author_kind": "ai",
                        "body": "I can see two charges of 49.00. A refund needs a "
                        "colleague; I am handing you over.",
                        "sent_at": at(2),
                    },
                    {
                        "author_kind": "tool",
                        "sent_at": at(3),
                        "tool_call": {
                            "name": "issue_refund",
                            "arguments": {"order_id": "1234", "amount": 49.0},
                            "result": {"error": "over limit"},
                            "status": "error",
                        },
                    },
                ],
            },
        },
    ).conversation


def chats(workspace):
    for i, (name, body, handled_by) in enumerate(
        [
            ("Ada Lovelace", "How do I export my invoices as CSV?", "ai"),
            ("Bo Diddley", "My password reset e-mail never arrives.", "human"),
            ("Cy Twombly", "Can I change the billing address on order 88?", "ai"),
        ]
    ):
        contact = contact_upsert(
            workspace=workspace, name=name, email=f"{name.split()[0].lower()}@ex.org"
        )
        conversations.conversation_create(
            workspace=workspace,
            contact=contact,
            channel="email" if handled_by == "human" else "web",
            handled_by=handled_by,
            started_at=T0 - timedelta(hours=i + 1),
            messages=[
                {
                    "author_kind": "contact",
                    "body": body,
                    "sent_at": T0 - timedelta(hours=i + 1),
                },
                {
                    "author_kind": "ai" if handled_by == "ai" else "agent",
                    "author_name": "" if handled_by == "ai" else "Sam Support",
                    "body": "Happy to help: here is how.",
                    "sent_at": T0 - timedelta(hours=i + 1, minutes=-2),
                },
            ],
        )
    contact = contact_upsert(workspace=workspace, name="Fox Mulder", email="fox@ex.org")
    return conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        channel="web",
        started_at=T0 + timedelta(hours=1),
        messages=[
            {
                "author_kind": "contact",
                "body": "The app crashes when I upload a photo.",
                "sent_at": T0 + timedelta(hours=1),
            },
            {
                "author_kind": "ai",
                "body": "Sorry about that. Which version are you on?",
                "sent_at": T0 + timedelta(hours=1, minutes=1),
            },
        ],
    )


def test_inbox_conversation_create_ticket_opens_the_panel(
    page_as, live_server, team, tmp_path
):
    workspace = team["workspace"]
    escalated(workspace)
    fresh = chats(workspace)
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = page_as(team["agent"])

    page.goto(f"{live_server.url}/w/acme/tickets/")
    page.get_by_role("link", name="Inbox").click()
    expect(page.locator("tr.conversation-row")).to_have_count(5)
    expect(page.locator("tr.conversation-row").first).to_contain_text("Fox Mulder")
    expect(page.locator(".badge.state-escalated")).to_have_text("Escalated")
    page.screenshot(path=out / "conversations-inbox.png")

    page.locator("#filter-popover summary").click()
    page.select_option("select[name=state]", "escalated")
    expect(page.locator("tr.conversation-row")).to_have_count(1)
    expect(page.locator(".chip")).to_contain_text("State: Escalated")
    page.locator(".chip").click()
    expect(page.locator("tr.conversation-row")).to_have_count(5)

    page.locator("tr.conversation-row", has_text="Dana Scully").locator(
        "a.open-conversation"
    ).click()
    expect(page.locator("h1")).to_have_text("Dana Scully")
    page.locator("details.tool-call summary", has_text="lookup_order").click()
    expect(page.locator("details.tool-call pre").first).to_contain_text("<b>hi</b>")
    page.screenshot(path=out / "conversation.png", full_page=True)

    page.goto(f"{live_server.url}/w/acme/conversations/{fresh.pk}/")
    page.get_by_role("button", name="Create ticket").click()
    dialog = page.locator("dialog#create-ticket")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=subject]")).to_have_value(
        "The app crashes when I upload a photo."
    )
    expect(dialog.locator("#ct-summary")).to_contain_text(
        "Customer: The app crashes when I upload a photo."
    )
    assert Ticket.objects.filter(primary_conversation=fresh).count() == 0  # asks first
    dialog.locator("select[name=priority]").select_option("4")
    dialog.get_by_role("button", name="Create ticket").click()

    expect(page.locator("#panel .panel-inner")).to_be_visible()
    ticket = Ticket.objects.get(primary_conversation=fresh)
    expect(page.locator("#panel")).to_contain_text(ticket.ref)
    expect(page.locator("#panel")).to_contain_text(
        "The app crashes when I upload a photo."
    )
    assert ticket.priority == 4 and ticket.assignee == team["agent"]

    # The conversation now feeds an open ticket: a second one needs confirming.
    page.goto(f"{live_server.url}/w/acme/conversations/{fresh.pk}/?create=1")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("already feeds an open ticket")
    dialog.get_by_role("button", name="Create ticket").click()
    expect(dialog).to_contain_text("tick the box to open another ticket anyway")
    assert Ticket.objects.filter(primary_conversation=fresh).count() == 1


def test_another_workspaces_agent_gets_404_on_the_conversation(
    page_as, live_server, team
):
    conversation = chats(team["workspace"])
    globex = WorkspaceFactory(name="Globex", slug="globex", ticket_prefix="GLX")
    outsider = UserFactory(username="outsider")
    MembershipFactory(workspace=globex, user=outsider, role="agent")
    page = page_as(outsider)
    response = page.goto(f"{live_server.url}/w/acme/conversations/{conversation.pk}/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/w/globex/conversations/{conversation.pk}/")
    assert response.status == 404
    assert "Fox Mulder" not in page.content()


def test_a_long_transcript_loads_earlier_pages_and_the_conversation_ends(
    page_as, live_server, team
):
    conversation = conversations.conversation_create(
        workspace=team["workspace"],
        channel="web",
        started_at=T0,
        messages=[
            {"author_kind": "contact", "body": f"m{i}", "sent_at": at(i)}
            for i in range(150)
        ],
    )
    page = page_as(team["agent"])
    page.goto(f"{live_server.url}/w/acme/conversations/{conversation.pk}/")
    bodies = page.locator("#transcript .msg-body")
    expect(bodies).to_have_count(100)
    expect(bodies.first).to_have_text("m50")
    page.get_by_role("link", name="Load earlier messages").click()
    expect(bodies).to_have_count(150)
    expect(bodies.first).to_have_text("m0")
    expect(bodies.nth(50)).to_have_text("m50")
    expect(page.locator("#load-earlier")).to_have_count(0)

    page.get_by_role("button", name="End conversation").click()
    expect(page.locator(".conversation-head")).to_contain_text("ended")
    expect(page.get_by_role("button", name="End conversation")).to_have_count(0)
