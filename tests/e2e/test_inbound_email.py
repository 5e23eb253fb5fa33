"""A customer's e-mail answer, read by the IMAP poller from a real dovecot, appears
in the ticket's open panel (transcript and status) in Chromium."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from helpdesk.models import Contact
from integrations import crypto
from messaging.models import InboundMailbox
from tests.factories import make_ticket
from tests.fakes.dovecot import Dovecot
from tests.messaging.conftest import CUSTOMER, OUR_REPLY_ID, SUPPORT, append, mail
from tickets import services, workflow
from tickets.conversations import conversation_create

pytestmark = pytest.mark.e2e


@pytest.fixture
def dovecot():
    server = Dovecot.start({"support": "e2e-imap-secret"})
    yield server
    server.stop()


def test_customer_email_answer_appears_in_the_open_panel(
    page_as, live_server, team, dovecot, tmp_path
):
    workspace, agent = team["workspace"], team["agent"]
    InboundMailbox.objects.create(
        workspace=workspace,
        address=SUPPORT,
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_security=InboundMailbox.Security.NONE,
        imap_username="support",
        imap_password=crypto.encrypt("e2e-imap-secret"),
    )
    customer = Contact.objects.create(
        workspace=workspace, name="Jane Doe", email=CUSTOMER
    )
    conversation = conversation_create(
        workspace=workspace,
        channel="web_chat",
        contact=customer,
        messages=[
            {
                "author_kind": "agent",
                "author_name": "Alex Agent",
                "body": "Please try another cable.",
                "sent_at": "2026-12-01T09:30:00Z",
                "email_message_id": OUR_REPLY_ID,
            }
        ],
    )
    ticket = make_ticket(
        workspace,
        actor=agent,
        subject="Printer on fire",
        requester=customer,
        primary_conversation=conversation,
    )
    services.ticket_change_status(
        ticket=ticket, to=workflow.Status.WAITING_ON_CONTACT, actor=agent
    )
    page = page_as(agent)
    page.goto(f"{live_server.url}/w/acme/tickets/{ticket.number}/")
    panel = page.locator("#panel")
    page.click("#panel [role=tab][data-tab=conversation]")
    expect(panel.locator(".transcript")).to_contain_text("Please try another cable.")
    expect(panel.locator(".transcript")).not_to_contain_text("new cable fixed it")

    append(
        dovecot,
        mail(
            in_reply_to=OUR_REPLY_ID,
            text="Yes, the new cable fixed it.\n\n> Please try another cable.\n",
        ),
    )
    out = StringIO()
    call_command("poll_imap", stdout=out)
    assert out.getvalue() == f"{SUPPORT}: 1 read, up to UID 1\n"
    page.reload()
    expect(panel.locator(".badge").first).to_have_text("Open")
    page.click("#panel [role=tab][data-tab=conversation]")

    last = panel.locator(".transcript li.msg").last
    expect(last).to_be_visible()
    expect(last).to_contain_text("Jane Doe")
    expect(last.locator(".msg-body")).to_have_text("Yes, the new cable fixed it.")
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / "inbound-email-answer.png")
