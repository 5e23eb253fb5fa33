import imaplib
from email.message import EmailMessage

import pytest

from integrations import crypto
from messaging.models import InboundMailbox
from tests.factories import ContactFactory, make_ticket
from tests.fakes.dovecot import Dovecot
from tickets import services, workflow
from tickets.conversations import conversation_create
from tickets.models import Message

SUPPORT = "support@acme.test"
CUSTOMER = "jane@customer.test"
OUR_REPLY_ID = "<reply-1.tkt-1@acme.test>"


def mail(
    *,
    to=SUPPORT,
    sender=f"Jane Doe <{CUSTOMER}>",
    subject="Re: [TKT-1] Printer on fire",
    message_id="<answer-1@customer.test>",
    text="Yes, the new cable fixed it.",
    html=None,
    headers=(),
    **threading,
) -> bytes:
    """An RFC 5322 mail as a customer's client would write it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in threading.items():
        msg[name.replace("_", "-").title()] = value
    for name, value in headers:
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


@pytest.fixture
def dovecot():
    server = Dovecot.start({"support": IMAP_PASSWORD})
    yield server
    server.stop()


IMAP_PASSWORD = "imap-secret"


def append(server: Dovecot, raw: bytes, user="support"):
    """Deliver a mail into the user's INBOX the way an MDA would (IMAP APPEND)."""
    conn = imaplib.IMAP4(server.host, server.port)
    try:
        conn.login(user, server.users[user])
        status, data = conn.append("INBOX", None, None, raw)
        assert status == "OK", data
    finally:
        conn.logout()


@pytest.fixture
def mailbox(workspace):
    return InboundMailbox.objects.create(workspace=workspace, address=SUPPORT)


@pytest.fixture
def imap_mailbox(mailbox, dovecot):
    mailbox.imap_host = dovecot.host
    mailbox.imap_port = dovecot.port
    mailbox.imap_security = InboundMailbox.Security.NONE
    mailbox.imap_username = "support"
    mailbox.imap_password = crypto.encrypt(IMAP_PASSWORD)
    mailbox.save()
    return mailbox


@pytest.fixture
def customer(workspace):
    return ContactFactory(workspace=workspace, name="Jane Doe", email=CUSTOMER)


@pytest.fixture
def waiting_ticket(workspace, customer, agent):
    """TKT-1, waiting on Jane after an agent's e-mailed reply (Message-ID stored)."""
    conversation = conversation_create(
        workspace=workspace,
        channel="web_chat",
        external_id="chat-1",
        contact=customer,
        messages=[
            {
                "author_kind": Message.AuthorKind.CONTACT,
                "body": "My printer is on fire.",
                "sent_at": "2026-12-01T09:00:00Z",
            },
            {
                "author_kind": Message.AuthorKind.AGENT,
                "body": "Please try another cable.",
                "sent_at": "2026-12-01T09:30:00Z",
                "email_message_id": OUR_REPLY_ID,
            },
        ],
    )
    ticket = make_ticket(
        workspace,
        actor=agent,
        requester=customer,
        primary_conversation=conversation,
    )
    return services.ticket_change_status(
        ticket=ticket, to=workflow.Status.WAITING_ON_CONTACT, actor=agent
    )
