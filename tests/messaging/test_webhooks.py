"""Inbound webhooks of two e-mail services with their real signed payload shapes,
through django-anymail: Mailgun's route forward() post (HMAC-SHA256 of timestamp +
token under the webhook signing key) and Postmark's inbound JSON (HTTP basic auth).
A bad signature answers 400 and writes nothing."""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import override_settings

from messaging.models import InboundEmail
from tests.messaging.conftest import CUSTOMER, OUR_REPLY_ID, SUPPORT
from tickets import workflow
from tickets.models import Message

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-mailgun-webhook-signing"
BASIC = "anymail:postmark-secret"
ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": BASIC}


@pytest.fixture(autouse=True)
def anymail_settings():
    with override_settings(ANYMAIL=ANYMAIL):
        yield


def mailgun_post(*, key=SIGNING_KEY, message_id="<mg-1@customer.test>", **extra):
    """The fields Mailgun's route forward() posts for a parsed message
    (documentation.mailgun.com: receive-forward-store/receive-http)."""
    timestamp, token = "1796170000", "a" * 50
    headers = [
        ["Received", "from mail.customer.test by mxa.mailgun.org"],
        ["Authentication-Results", "mx.mailgun.org; dkim=pass; spf=pass; dmarc=pass"],
        ["From", f"Jane Doe <{CUSTOMER}>"],
        ["To", SUPPORT],
        ["Subject", "Re: [TKT-1] Printer on fire"],
        ["Message-Id", message_id],
        ["In-Reply-To", OUR_REPLY_ID],
        ["References", OUR_REPLY_ID],
        ["X-Mailgun-Sflag", "No"],
        ["X-Mailgun-Sscore", "0.1"],
    ]
    body = "Yes, the new cable fixed it.\n\n> Please try another cable.\n"
    fields = {
        "recipient": SUPPORT,
        "sender": CUSTOMER,
        "from": f"Jane Doe <{CUSTOMER}>",
        "subject": "Re: [TKT-1] Printer on fire",
        "body-plain": body,
        "stripped-text": "Yes, the new cable fixed it.",
        "stripped-signature": "",
        "body-html": "<p>Yes, the new cable fixed it.</p>",
        "stripped-html": "<p>Yes, the new cable fixed it.</p>",
        "attachment-count": "0",
        "timestamp": timestamp,
        "token": token,
        "signature": hmac.new(
            key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
        ).hexdigest(),
        "message-headers": json.dumps(headers),
        "Content-Id-Map": "{}",
    }
    return fields | extra


def postmark_body(message_id="<pm-1@customer.test>"):
    """Postmark's inbound webhook JSON (postmarkapp.com/developer/webhooks/
    inbound-webhook), without RawEmail as by default."""
    return {
        "FromName": "Jane Doe",
        "MessageStream": "inbound",
        "From": CUSTOMER,
        "FromFull": {"Email": CUSTOMER, "Name": "Jane Doe", "MailboxHash": ""},
        "To": SUPPORT,
        "ToFull": [{"Email": SUPPORT, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": SUPPORT,
        "Subject": "Re: [TKT-1] Printer on fire",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Tue, 1 Dec 2026 10:00:00 +0000",
        "TextBody": "Thanks, all good now.\n\nOn Tue, Dec 1, 2026 Acme wrote:\n> Hi\n",
        "HtmlBody": "<p>Thanks, all good now.</p>",
        "StrippedTextReply": "Thanks, all good now.",
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{CUSTOMER}>"},
            {"Name": "X-Spam-Checker-Version", "Value": "SpamAssassin 3.3.1"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "Received-SPF", "Value": "Pass (sender SPF authorized)"},
            {"Name": "Message-ID", "Value": message_id},
            {"Name": "In-Reply-To", "Value": OUR_REPLY_ID},
        ],
        "Attachments": [],
    }


def post_mailgun(client, fields):
    # anymail checks the basic auth of the webhook URL (https://user:pass@...)
    # and then Mailgun's signature.
    return client.post("/anymail/mailgun/inbound/", fields, HTTP_AUTHORIZATION=basic())


def basic(credentials=BASIC):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def post_postmark(client, body, credentials=BASIC):
    return client.post(
        "/anymail/postmark/inbound/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(credentials),
    )


def contact_messages(ticket):
    return list(
        ticket.primary_conversation.messages.filter(author_kind="contact").values_list(
            "body", "email_message_id"
        )
    )


def test_mailgun_reply_is_threaded(client, mailbox, waiting_ticket):
    response = post_mailgun(client, mailgun_post())

    assert response.status_code == 200
    assert contact_messages(waiting_ticket) == [
        ("My printer is on fire.", ""),
        ("Yes, the new cable fixed it.", "<mg-1@customer.test>"),
    ]
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == workflow.Status.OPEN
    record = InboundEmail.objects.get()
    assert record.source == "mailgun"
    assert record.authentication == {
        "dkim": "pass",
        "spf": "pass",
        "dmarc": "pass",
        "spam_detected": False,
        "spam_score": 0.1,
    }


def test_mailgun_bad_signature_answers_400_and_writes_nothing(
    client, mailbox, waiting_ticket
):
    before = Message.objects.count()

    response = post_mailgun(client, mailgun_post(key="forged"))

    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0
    assert Message.objects.count() == before


def test_mailgun_post_repeated_is_stored_once(client, mailbox, waiting_ticket):
    for _ in range(2):
        assert post_mailgun(client, mailgun_post()).status_code == 200
    assert InboundEmail.objects.count() == 1
    assert len(contact_messages(waiting_ticket)) == 2


def test_postmark_reply_is_threaded(client, mailbox, waiting_ticket):
    response = post_postmark(client, postmark_body())

    assert response.status_code == 200
    assert contact_messages(waiting_ticket)[-1] == (
        "Thanks, all good now.",
        "<pm-1@customer.test>",
    )
    record = InboundEmail.objects.get()
    assert record.source == "postmark"
    assert record.authentication == {
        "spf": "pass",
        "spam_detected": False,
        "spam_score": -0.1,
    }


def test_postmark_bad_basic_auth_answers_400_and_writes_nothing(
    client, mailbox, waiting_ticket
):
    before = Message.objects.count()

    response = post_postmark(client, postmark_body(), credentials="anymail:guess")

    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    "body",
    ["not json", json.dumps({"RecordType": "Bounce"}), json.dumps([1, 2])],
    ids=["not-json", "bounce-webhook", "a-list"],
)
def test_postmark_unreadable_payload_answers_400(client, mailbox, body):
    response = client.post(
        "/anymail/postmark/inbound/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(),
    )
    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0


def test_mail_to_an_address_no_workspace_owns_lands_nowhere(client, mailbox):
    body = postmark_body()
    body["OriginalRecipient"] = "someone@elsewhere.test"
    body["ToFull"] = [{"Email": "someone@elsewhere.test", "Name": ""}]
    body["To"] = "someone@elsewhere.test"

    assert post_postmark(client, body).status_code == 200
    assert InboundEmail.objects.count() == 0


def test_unconfigured_service_answers_404(client, mailbox):
    with override_settings(ANYMAIL={}):
        response = post_mailgun(client, mailgun_post())
    assert response.status_code == 404
    assert InboundEmail.objects.count() == 0
