"""Two pollers at once (beat and a manual `poll_imap`) against one dovecot mailbox,
and the same webhook delivered twice at once: each mail is stored once and threaded
once, and the high-water mark ends at the newest UID."""

import pytest

from messaging.inbound.imap import mailbox_poll
from messaging.inbound.service import Envelope, inbound_email_receive
from messaging.models import InboundEmail, InboundMailbox
from tests.messaging.conftest import OUR_REPLY_ID, append, mail
from tests.threads import run_together
from tickets.models import Message, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_polls_at_once_store_each_mail_once(imap_mailbox, dovecot, waiting_ticket):
    for n in range(5):
        append(
            dovecot,
            mail(
                message_id=f"<answer-{n}@customer.test>",
                text=f"Answer number {n}.",
                in_reply_to=OUR_REPLY_ID,
            ),
        )

    def poll(_):
        box = InboundMailbox.objects.get(pk=imap_mailbox.pk)
        return mailbox_poll(mailbox=box).fetched

    results = run_together(2, poll)

    assert sum(results) >= 5  # each poll read some or all of the five
    assert InboundEmail.objects.count() == 5
    bodies = sorted(
        Message.objects.filter(email_message_id__startswith="<answer-").values_list(
            "body", flat=True
        )
    )
    assert bodies == [f"Answer number {n}." for n in range(5)]
    replied = waiting_ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
    assert replied.count() == 5
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == 5


def test_the_same_mail_delivered_twice_at_once_is_threaded_once(
    mailbox, waiting_ticket
):
    raw = mail(in_reply_to=OUR_REPLY_ID)

    def deliver(_):
        return inbound_email_receive(raw=raw, envelope=Envelope(source="mailgun")).pk

    first, second = run_together(2, deliver)

    assert first == second
    assert InboundEmail.objects.count() == 1
    assert waiting_ticket.primary_conversation.messages.count() == 3
