"""What becomes of an inbound mail, posted as raw MIME through Mailgun's signed
webhook (anymail's .../mailgun/inbound_mime/): threading by subject and sender,
new conversations through the escalation rules, workspace isolation, loops and
sanitised HTML."""

import hashlib
import hmac
import re

import pytest
from django.core import mail as django_mail
from django.test import override_settings

from messaging.inbound.service import Envelope, inbound_email_receive
from messaging.models import InboundEmail, InboundMailbox
from tests.factories import ContactFactory, make_ticket
from tests.messaging.conftest import CUSTOMER, OUR_REPLY_ID, SUPPORT, mail
from tests.messaging.test_webhooks import ANYMAIL, SIGNING_KEY, basic
from tickets import services, workflow
from tickets.models import Conversation, EscalationRule, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

GLOBEX = "help@globex.test"


@pytest.fixture(autouse=True)
def anymail_settings():
    with override_settings(ANYMAIL=ANYMAIL):
        yield


def deliver(client, raw: bytes, recipient=SUPPORT):
    timestamp, token = "1796170000", "b" * 50
    response = client.post(
        "/anymail/mailgun/inbound_mime/",
        {
            "recipient": recipient,
            "sender": CUSTOMER,
            "body-mime": raw.decode(),
            "timestamp": timestamp,
            "token": token,
            "signature": hmac.new(
                SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
            ).hexdigest(),
        },
        HTTP_AUTHORIZATION=basic(),
    )
    assert response.status_code == 200
    return InboundEmail.objects.order_by("-id").first()


@pytest.fixture
def globex_mailbox(other_workspace):
    return InboundMailbox.objects.create(workspace=other_workspace, address=GLOBEX)


def test_forged_in_reply_to_naming_another_workspaces_message_lands_nowhere_there(
    client, mailbox, globex_mailbox, waiting_ticket, other_workspace
):
    """Mail to Globex's address claiming to answer Acme's reply (and naming TKT-1)
    starts a conversation in Globex and touches nothing in Acme."""
    acme_messages = Message.objects.filter(
        conversation__workspace=waiting_ticket.workspace
    ).count()

    record = deliver(
        client,
        mail(to=GLOBEX, in_reply_to=OUR_REPLY_ID, references=OUR_REPLY_ID),
        recipient=GLOBEX,
    )

    assert record.workspace == other_workspace
    assert record.outcome == InboundEmail.Outcome.STARTED
    assert record.conversation.workspace == other_workspace
    assert (
        Message.objects.filter(conversation__workspace=waiting_ticket.workspace).count()
        == acme_messages
    )
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == workflow.Status.WAITING_ON_CONTACT
    assert not waiting_ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
    assert not InboundEmail.objects.filter(workspace=waiting_ticket.workspace)


def test_html_mail_with_scripts_is_stored_sanitised(client, mailbox, waiting_ticket):
    html = (
        '<p onclick="steal()">Still <b>broken</b>.<script>alert("x")</script></p>'
        '<img src="x" onerror="steal()"><a href="javascript:steal()">link</a>'
        "<style>p { display: none }</style>"
    )
    record = deliver(client, mail(in_reply_to=OUR_REPLY_ID, text="", html=html))

    assert record.html == (
        '<p>Still <b>broken</b>.</p><img src="x"><a rel="noopener noreferrer">link</a>'
    )
    assert record.message.body == "Still broken.\nlink"
    assert b"<script>" in bytes(record.raw)  # the original is kept as it came


def test_subject_reference_threads_when_the_sender_is_the_requester(
    client, mailbox, workspace, customer, agent
):
    ticket = make_ticket(workspace, actor=agent, requester=customer)
    make_ticket(workspace, actor=agent, requester=customer, subject="Newer")

    record = deliver(client, mail(subject=f"Re: [{ticket.ref}] Printer on fire"))

    assert record.outcome == InboundEmail.Outcome.THREADED
    assert record.ticket == ticket
    assert record.detail == f"Threaded by subject {ticket.ref}."
    conversation = ticket.associated_conversations.get()
    assert conversation.channel == "email"
    assert list(conversation.messages.values_list("body", flat=True)) == [
        "Yes, the new cable fixed it."
    ]
    assert ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).count() == 1


def test_subject_reference_from_a_stranger_does_not_thread_into_that_ticket(
    client, mailbox, workspace, customer, agent
):
    ticket = make_ticket(workspace, actor=agent, requester=customer)

    record = deliver(
        client,
        mail(sender="Mallory <mallory@evil.test>", subject=f"[{ticket.ref}] hi"),
    )

    assert record.outcome == InboundEmail.Outcome.STARTED
    assert record.ticket is None
    assert not ticket.associated_conversations.exists()


def test_without_references_the_senders_newest_open_ticket_gets_the_mail(
    client, mailbox, workspace, customer, agent
):
    older = make_ticket(workspace, actor=agent, requester=customer)
    newer = make_ticket(workspace, actor=agent, requester=customer, subject="Newer")
    closed = make_ticket(workspace, actor=agent, requester=customer, subject="Old")
    services.ticket_change_status(ticket=closed, to=workflow.Status.CLOSED, actor=agent)

    record = deliver(client, mail(subject="One more thing"))

    assert record.ticket == newer
    assert record.detail == f"Threaded by the sender's newest open ticket {newer.ref}."
    assert not older.associated_conversations.exists()


def test_unknown_thread_starts_a_conversation_that_a_rule_turns_into_a_ticket(
    client, mailbox, workspace
):
    EscalationRule.objects.create(
        workspace=workspace, name="E-mail", channels=["email"], escalate=True
    )

    record = deliver(
        client, mail(subject="Invoice is wrong", text="Please fix my invoice.")
    )

    assert record.outcome == InboundEmail.Outcome.STARTED
    ticket = record.ticket
    assert ticket.subject == "Invoice is wrong"
    assert ticket.channel == "email"
    assert ticket.requester.email == CUSTOMER
    assert ticket.primary_conversation == record.conversation
    assert record.conversation.external_id == "email:<answer-1@customer.test>"
    assert record.message.email_message_id == "<answer-1@customer.test>"


def test_unknown_thread_without_a_rule_is_only_a_conversation(
    client, mailbox, workspace
):
    record = deliver(client, mail(subject="Hello"))

    assert record.outcome == InboundEmail.Outcome.STARTED
    assert record.ticket is None
    assert record.detail == "No escalation rule matched and escalate was not requested."
    assert Conversation.objects.get().channel == "email"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        [("Auto-Submitted", "auto-replied")],
        [("X-Autoreply", "yes")],
        [("X-Autorespond", "Out of office")],
        [("Precedence", "bulk")],
        [("Precedence", "junk")],
        [("Precedence", "list")],
    ],
    ids=["auto-submitted", "x-autoreply", "x-autorespond", "bulk", "junk", "list"],
)
def test_auto_replies_are_recorded_never_answered_never_reopen(
    client, mailbox, waiting_ticket, headers
):
    record = deliver(client, mail(in_reply_to=OUR_REPLY_ID, headers=headers))

    assert record.outcome == InboundEmail.Outcome.AUTO_REPLY
    assert record.message is None
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == workflow.Status.WAITING_ON_CONTACT
    assert waiting_ticket.primary_conversation.messages.count() == 2
    assert len(django_mail.outbox) == 0


def test_auto_submitted_no_is_a_person(client, mailbox, waiting_ticket):
    record = deliver(
        client, mail(in_reply_to=OUR_REPLY_ID, headers=[("Auto-Submitted", "no")])
    )
    assert record.outcome == InboundEmail.Outcome.THREADED


@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        (
            {"sender": f"Acme <{SUPPORT}>"},
            f"sent from our own address {SUPPORT}",
        ),
        (
            {"message_id": OUR_REPLY_ID},
            f"our own Message-ID {OUR_REPLY_ID}",
        ),
    ],
    ids=["our-address", "our-message-id"],
)
def test_our_own_mail_coming_back_is_a_loop(
    client, mailbox, waiting_ticket, kwargs, detail
):
    record = deliver(client, mail(in_reply_to=OUR_REPLY_ID, **kwargs))

    assert record.outcome == InboundEmail.Outcome.LOOP
    assert record.detail == detail
    assert waiting_ticket.primary_conversation.messages.count() == 2
    assert len(django_mail.outbox) == 0


def test_mail_without_message_id_is_still_stored_once(client, mailbox, workspace):
    ContactFactory(workspace=workspace, email="other@customer.test")
    raw = mail(message_id=None, subject="No id")
    first = deliver(client, raw)
    second = deliver(client, raw)

    assert first.pk == second.pk
    assert re.fullmatch(r"<[0-9a-f]{64}@inbound\.invalid>", first.email_message_id)


@pytest.mark.parametrize(
    ("raw", "outcome"),
    [
        (b"\x00\xff\xfe not a mail at all", InboundEmail.Outcome.STARTED),
        (
            mail(sender="Jane <not-an-address>", message_id="<bad-from@x.test>"),
            InboundEmail.Outcome.INVALID,
        ),
        (
            b"From: jane@customer.test\r\nTo: support@acme.test\r\n"
            b"Subject: =?unknown-8bit?q?=FF=FE?=\r\nMessage-ID: <charset@x.test>\r\n"
            b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\xfe hi\r\n",
            InboundEmail.Outcome.STARTED,
        ),
    ],
    ids=["garbage", "bad-from", "unknown-charset"],
)
def test_hostile_mail_is_recorded_never_an_error(mailbox, raw, outcome):
    """Bytes as the IMAP poller hands them over (no decoding on the way)."""
    record = inbound_email_receive(
        raw=raw, envelope=Envelope(source="imap"), mailbox=mailbox
    )

    assert record.outcome == outcome
    if outcome == InboundEmail.Outcome.INVALID:
        assert record.detail == "Not a valid e-mail address."
        assert record.conversation is None


def test_admin_lists_cost_the_same_for_1_and_50_mails(
    client, workspace, admin_member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_member)
    admin_member.is_staff = True
    admin_member.save()

    def cost(count):
        for n in range(InboundMailbox.objects.count(), count):
            box = InboundMailbox.objects.create(
                workspace=workspace, address=f"box{n}@acme.test"
            )
            InboundEmail.objects.create(
                workspace=workspace,
                mailbox=box,
                source="imap",
                email_message_id=f"<m{n}@x.test>",
                size=1,
                raw=b"x",
                outcome="threaded",
            )
        costs = []
        for url in (
            "/admin/messaging/inboundmailbox/",
            "/admin/messaging/inboundemail/",
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            costs.append(len(queries))
        return costs

    one, many = cost(1), cost(50)
    assert one == many, (one, many)


def test_nul_characters_anywhere_are_dropped(mailbox):
    raw = (
        b"From: =?utf-8?q?Ja=00ne?= <jane@customer.test>\r\nTo: support@acme.test\r\n"
        b"Subject: =?utf-8?q?Hel=00lo?=\r\nMessage-ID: <nul@x.test>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi\x00 there</p>\r\n"
    )
    record = inbound_email_receive(
        raw=raw, envelope=Envelope(source="imap"), mailbox=mailbox
    )

    assert record.outcome == InboundEmail.Outcome.STARTED
    assert (record.subject, record.from_name) == ("Hello", "Jane")
    assert record.message.body == "Hi there"
    assert record.html == "<p>Hi there</p>"


def test_an_answer_to_a_reply_of_a_ticket_without_conversation_finds_that_ticket(
    client, mailbox, workspace, customer, agent
):
    """The reply's Message-ID is only on its delivery; the sender's newest open
    ticket is another one, so only the In-Reply-To can pick the right ticket."""
    from messaging.models import Delivery

    older = make_ticket(workspace, actor=agent, requester=customer)
    comment = services.comment_add(
        ticket=older, actor=agent, body="Try the blue cable.", is_public=True
    )
    Delivery.objects.filter(comment=comment).delete()  # no channel set up here
    Delivery.objects.create(
        workspace=workspace,
        ticket=older,
        comment=comment,
        route=Delivery.Route.EMAIL,
        thread_key=f"ticket-{older.pk}",
        state=Delivery.State.SENT,
        email_message_id="<TKT-1.reply-7@helpdesk.test>",
    )
    newer = make_ticket(workspace, actor=agent, requester=customer)

    deliver(
        client,
        mail(subject="Re: your answer", in_reply_to="<TKT-1.reply-7@helpdesk.test>"),
    )

    older.refresh_from_db()
    answer = Message.objects.get(body="Yes, the new cable fixed it.")
    assert answer.conversation.channel == "email"
    assert older.associated_conversations.filter(pk=answer.conversation_id).exists()
    assert not newer.associated_conversations.exists()
