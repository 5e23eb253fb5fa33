"""The AI Insights tab in Chromium: the analysis of a ticket escalated from an AI
chat, a suggested step inserted into the reply composer, helpful feedback stored.
Screenshot: docs/screenshots/insights.png (SCREENSHOTS_DIR=docs/screenshots)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledge import services as kb
from knowledge.models import InsightFeedback
from tests.factories import ContactFactory
from tickets import conversations, services

pytestmark = pytest.mark.e2e


@pytest.fixture
def ticket(team):
    ws, manager = team["workspace"], team["manager"]
    kb.article_save(
        workspace=ws,
        actor=manager,
        values={
            "title": "Charged twice for the same invoice",
            "body": "1. Open Billing > Payments and compare the two charges.\n"
            "2. If both settled, refund the duplicate charge in full.",
            "status": "published",
        },
    )
    old = services.ticket_create(
        workspace=ws,
        actor=manager,
        subject="Billed two times",
        content="The subscription charge was taken twice from my card.",
    )
    services.comment_add(
        ticket=old,
        actor=manager,
        body="We refunded the duplicate charge; it shows in 5 days.",
        is_public=True,
    )
    services.ticket_change_status(ticket=old, to="resolved", actor=manager)
    contact = ContactFactory(workspace=ws, name="Dana Scully", email="dana@x.test")
    start = timezone.now() - timedelta(minutes=5)
    conversation = conversations.conversation_create(
        workspace=ws,
        contact=contact,
        external_id="chat-9",
        messages=[
            {
                "author_kind": "contact",
                "body": "I was charged twice this month! This is unacceptable, "
                "I need it fixed today.",
                "sent_at": start,
            },
            {
                "author_kind": "ai",
                "body": "I checked your payments and see two charges. "
                "A human will refund you.",
                "sent_at": start + timedelta(seconds=30),
            },
        ],
    )
    ticket = services.ticket_create(
        workspace=ws,
        actor=None,
        subject="Double charge on my card",
        requester=contact,
        primary_conversation=conversation,
    )
    kb.insight_refresh(ticket_id=ticket.pk)
    return ticket


def test_the_tab_shows_the_analysis_and_a_step_goes_into_the_reply(
    page_as, live_server, team, ticket, tmp_path
):
    page = page_as(team["agent"])
    page.set_default_timeout(30_000)  # 2 cores shared with other test runs
    expect.set_options(timeout=20_000)
    page.goto(f"{live_server.url}/w/acme/tickets/{ticket.number}/?tab=insights")
    pane = page.locator("#pane-insights")
    expect(pane.locator(".insight-wants")).to_contain_text("charged twice this month")
    expect(pane).to_contain_text("“today”")
    expect(pane).to_contain_text("negative")
    expect(pane).to_contain_text("I checked your payments and see two charges.")
    expect(pane.locator(".insight-list a").first).to_have_text(
        "Charged twice for the same invoice"
    )
    expect(pane).to_contain_text("Billed two times")
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.locator("#panel").screenshot(path=out / "insights.png")

    step = pane.locator(".insight-step").first
    text = step.locator(".step-text").inner_text()
    step.locator("[data-insert-reply]").click()
    expect(page.locator("#comment-body")).to_be_visible()
    expect(page.locator("#comment-body")).to_have_value(text)
    expect(page.locator("input[name=visibility][value=public]")).to_be_checked()

    page.locator("#tab-insights").click()
    step.get_by_role("button", name="Helpful", exact=True).click()
    expect(step.locator(".insight-feedback")).to_contain_text("Marked helpful")
    row = InsightFeedback.objects.get()
    assert (row.section, row.helpful) == ("resolution", True)
