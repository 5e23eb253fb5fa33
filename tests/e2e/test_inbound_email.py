"""The e-mail round trip in Chromium: an agent's public reply goes out by e-mail (a
real aiosmtpd server), the thread shows it queued then sent, and the customer's
answer, read by the IMAP poller from a real dovecot, appears in the open panel by
itself (the live poll), reopening the ticket."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from helpdesk.models import Contact
from integrations import crypto
from messaging.delivery import drain
from messaging.models import Channel, InboundMailbox
from tests.factories import make_ticket
from tests.fakes.dovecot import Dovecot
from tests.fakes.smtp_sink import SmtpSink
from tests.messaging.conftest import CUSTOMER, SUPPORT, append, mail
from tickets import services, workflow
from tickets.conversations import conversation_create

pytestmark = pytest.mark.e2e


@pytest.fixture
def dovecot():
    server = Dovecot.start({"support": "e2e-imap-secret"})
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    sink = SmtpSink().start()
    sink.use(settings)
    yield sink
    sink.stop()


def _ticket(workspace, agent):
    """Jane's ticket; her chat has ended, so a public reply goes by e-mail."""
    customer = Contact.objects.create(
        workspace=workspace, name="Jane Doe", email=CUSTOMER
    )
    conversation = conversation_create(
        workspace=workspace,
        channel="web_chat",
        contact=customer,
        messages=[
            {
                "author_kind": "contact",
                "body": "My printer is on fire.",
                "sent_at": "2026-12-01T09:00:00Z",
            }
        ],
    )
    conversation.ended_at = timezone.now()
    conversation.save(update_fields=["ended_at"])
    return make_ticket(
        workspace,
        actor=agent,
        subject="Printer on fire",
        requester=customer,
        primary_conversation=conversation,
    )


def test_a_reply_goes_out_by_email_and_the_answer_comes_back_into_the_open_panel(
    page_as, live_server, team, dovecot, smtp, tmp_path
):
    workspace, agent = team["workspace"], team["agent"]
    Channel.objects.create(workspace=workspace, kind="email", from_email=SUPPORT)
    InboundMailbox.objects.create(
        workspace=workspace,
        address=SUPPORT,
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_security=InboundMailbox.Security.NONE,
        imap_username="support",
        imap_password=crypto.encrypt("e2e-imap-secret"),
    )
    ticket = _ticket(workspace, agent)
    page = page_as(agent)
    page.goto(f"{live_server.url}/w/acme/tickets/{ticket.number}/")
    panel = page.locator("#panel")
    thread = panel.locator("#thread")
    expect(thread).to_contain_text("My printer is on fire.")

    panel.locator("input[name=visibility][value=public]").check()
    expect(panel.locator("input[name=route][value=email]")).to_be_checked()
    panel.locator("#comment-body").fill("Please try another cable.")
    panel.locator("#composer-send").click()
    reply = thread.locator("li.comment").last
    expect(reply).to_contain_text("Please try another cable.")
    expect(reply.locator("[data-delivery-state]")).to_have_attribute(
        "data-delivery-state", "queued"
    )

    assert drain().sent == 1
    (sent,) = smtp.messages
    assert sent["To"] == f"Jane Doe <{CUSTOMER}>"
    assert f"[{ticket.ref}]" in sent["Subject"]
    page.reload()
    reply = panel.locator("#thread li.comment").last
    expect(reply.locator("[data-delivery-state]")).to_have_attribute(
        "data-delivery-state", "sent"
    )
    services.ticket_change_status(
        ticket=ticket, to=workflow.Status.WAITING_ON_CONTACT, actor=agent
    )
    expect(panel.locator(".panel-ref .badge").first).to_have_text(
        "Waiting on Contact", timeout=10_000
    )

    append(
        dovecot,
        mail(
            in_reply_to=sent["Message-ID"],
            subject=f"Re: {sent['Subject']}",
            text="Yes, the new cable fixed it.\n\n> Please try another cable.\n",
        ),
    )
    out = StringIO()
    call_command("poll_imap", stdout=out)
    assert out.getvalue() == f"{SUPPORT}: 1 read, up to UID 1\n"

    # No reload: the live poll brings the answer and the reopened status.
    last = panel.locator("#thread li.msg").last
    expect(last.locator(".msg-body")).to_have_text(
        "Yes, the new cable fixed it.", timeout=5_000
    )
    expect(last).to_contain_text("Jane Doe")
    expect(panel.locator(".panel-ref .badge").first).to_have_text("Open")
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / "inbound-email-answer.png")
