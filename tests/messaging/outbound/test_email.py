"""Public replies by e-mail to a real SMTP server (aiosmtpd on loopback): threading
headers, [TKT-n] subject, plain and HTML parts, the signature, the attachment; a
server that is away loses nothing; a bounce fails the reply."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from messaging import delivery
from messaging.models import Delivery
from tests.factories import ContactFactory
from tests.messaging.outbound.conftest import chat_ticket
from tickets import services
from tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4 invoice 42\n%%EOF\n"


def _text(message) -> str:
    """The plain-text part as lines (the wire's CRLF read as newlines)."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _reply(ticket, agent, body, **kwargs):
    return services.comment_add(
        ticket=ticket, actor=agent, body=body, is_public=True, **kwargs
    )


def test_reply_arrives_threaded_with_both_parts_signature_and_attachment(
    workspace, agent, customer, email_channel, smtp
):
    ticket = chat_ticket(workspace, customer, ended=True)  # the chat is over
    Message.objects.create(
        conversation=ticket.primary_conversation,
        author_kind="contact",
        body="My printer is on fire",
        sent_at=timezone.now() - timedelta(hours=1),
        email_message_id="<first@customer.example>",
    )
    invoice = ("invoice-42.pdf", ContentFile(PDF), len(PDF))
    first = _reply(
        ticket, agent, "We are on it. See the **invoice**.", attachments=[invoice]
    )
    second = _reply(ticket, agent, "Fixed!")

    assert delivery.drain().sent == 2

    one, two = smtp.messages
    sent_one = Delivery.objects.get(comment=first).email_message_id
    sent_two = Delivery.objects.get(comment=second).email_message_id
    assert one["Subject"] == "Re: [TKT-1] Printer on fire"
    assert one["From"] == "Acme Support <support@acme.example>"
    assert one["To"] == "Dana Smith <dana@customer.example>"
    assert one["Message-ID"] == sent_one
    assert one["In-Reply-To"] == "<first@customer.example>"
    assert one["References"] == "<first@customer.example>"
    assert two["In-Reply-To"] == sent_one
    assert two["References"] == f"<first@customer.example> {sent_one}"
    # The agent's message in the conversation carries the id it went out with.
    agent_messages = ticket.primary_conversation.messages.filter(author_kind="agent")
    assert list(agent_messages.values_list("email_message_id", flat=True)) == [
        sent_one,
        sent_two,
    ]
    text = _text(one)
    html = one.get_body(("html",)).get_content()
    assert text == "We are on it. See the invoice.\n\n-- \nAcme Support team\n"
    assert "<strong>invoice</strong>" in html
    assert "Acme Support team" in html
    [attachment] = list(one.iter_attachments())
    assert attachment.get_filename() == "invoice-42.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert list(two.iter_attachments()) == []
    assert smtp.envelopes[0] == ("support@acme.example", ["dana@customer.example"])


def test_a_ticket_without_conversation_is_answered_by_email_with_its_ref(
    workspace, agent, customer, email_channel, smtp
):
    ticket = services.ticket_create(
        workspace=workspace, actor=agent, subject="Refund", requester=customer
    )
    comment = _reply(ticket, agent, "Refund issued.")
    delivery.drain()
    [sent] = smtp.messages
    assert sent["Subject"] == "[TKT-1] Refund"
    assert sent["In-Reply-To"] is None
    assert sent["Message-ID"] == Delivery.objects.get(comment=comment).email_message_id
    _reply(ticket, agent, "And a voucher.")
    delivery.drain()
    assert smtp.messages[1]["Subject"] == "Re: [TKT-1] Refund"
    assert smtp.messages[1]["In-Reply-To"] == sent["Message-ID"]


def test_nothing_is_lost_while_the_smtp_server_is_down(
    workspace, agent, customer, email_channel, smtp
):
    ticket = chat_ticket(workspace, customer, ended=True)
    smtp.stop()
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        for n in range(3):
            _reply(ticket, agent, f"Reply {n}")
        result = delivery.drain()
        assert (result.sent, result.retrying) == (0, 1)  # the head only: order
        first = Delivery.objects.order_by("id").first()
        assert "The mail server is unavailable" in first.reason
        smtp.start()
        traveller.move_to(first.next_attempt_at + timedelta(seconds=1))
        assert delivery.drain().sent == 3
    assert [_text(m) for m in smtp.messages] == [
        "Reply 0\n\n-- \nAcme Support team\n",
        "Reply 1\n\n-- \nAcme Support team\n",
        "Reply 2\n\n-- \nAcme Support team\n",
    ]


def test_a_postmark_bounce_fails_the_reply_and_tells_its_author(
    workspace, agent, customer, email_channel, smtp, client, settings
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    ticket = chat_ticket(workspace, customer, ended=True)
    comment = _reply(ticket, agent, "Hello")
    delivery.drain()
    row = Delivery.objects.get(comment=comment)
    # Postmark's bounce webhook (postmarkapp.com/developer/webhooks/bounce-webhook),
    # naming the message by the id the ESP gave it when sending.
    row.esp_message_id = "883953f4-6105-42a2-a16a-77a8eac79483"
    row.save(update_fields=["esp_message_id"])
    payload = {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 The email account does not exist.",
        "Email": "dana@customer.example",
        "From": "support@acme.example",
        "BouncedAt": "2026-12-02T10:00:00Z",
        "Inactive": True,
        "CanActivate": True,
        "Subject": "[TKT-1] Printer on fire",
        "Metadata": {},
        "MessageStream": "outbound",
    }
    auth = base64.b64encode(b"hook:s3cret").decode()
    response = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == "failed"
    assert row.reason == (
        "Postmark reports the e-mail bounced: "
        "The server was unable to deliver your message."
    )
    assert agent.helpdesk_notifications.get().kind == "reply_failed"


def test_a_refused_recipient_fails_at_once(
    workspace, agent, email_channel, smtp, settings
):
    """An SMTP 5xx for the recipient is permanent: no retries, the author is told."""
    ghost = ContactFactory(workspace=workspace, email="nobody@customer.example")
    ticket = services.ticket_create(
        workspace=workspace, actor=agent, subject="Hi", requester=ghost
    )
    smtp.refuse = {"nobody@customer.example"}
    _reply(ticket, agent, "Hello?")
    assert delivery.drain().failed == 1
    row = Delivery.objects.get()
    assert row.attempts == 1
    assert row.reason.startswith("The recipient was refused")


@pytest.mark.parametrize("esp", ["postmark", "mailgun", "sendgrid", "amazon_ses"])
def test_an_unreadable_tracking_event_is_a_4xx_never_a_500(client, settings, esp):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    auth = base64.b64encode(b"hook:s3cret").decode()
    response = client.post(
        f"/anymail/{esp}/tracking/",
        data=b"--not json--",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code in (400, 404)


def test_a_tracking_event_without_the_webhook_secret_is_refused(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    response = client.post(
        "/anymail/postmark/tracking/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 400
