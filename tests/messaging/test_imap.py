"""The IMAP poller against a real dovecot on loopback: a customer's answer to our
reply, delivered with IMAP APPEND, is threaded into the right ticket; polling again
adds nothing; a rebuilt folder (new UIDVALIDITY) adds nothing either."""

import logging
from io import StringIO

import pytest
from django.core import mail as django_mail
from django.core.management import call_command

from integrations import crypto
from messaging.models import InboundEmail
from messaging.tasks import poll_imap
from tests.messaging.conftest import OUR_REPLY_ID, append, mail
from tickets import workflow
from tickets.models import Message, TicketEvent

pytestmark = pytest.mark.django_db

ANSWER = mail(
    in_reply_to=OUR_REPLY_ID,
    references=f"<first@customer.test> {OUR_REPLY_ID}",
    text=(
        "Yes, the new cable fixed it.\n\n-- \nJane Doe\nHead of Printing\n\n"
        "On Tue, Dec 1, 2026 at 9:30 AM Acme Support <support@acme.test> wrote:\n"
        "> Please try another cable.\n"
    ),
)


def poll() -> str:
    out = StringIO()
    call_command("poll_imap", stdout=out)
    return out.getvalue()


def test_answer_is_threaded_into_its_ticket_and_polling_again_adds_nothing(
    imap_mailbox, dovecot, waiting_ticket
):
    append(dovecot, ANSWER)

    assert poll() == "support@acme.test: 1 read, up to UID 1\n"

    conversation = waiting_ticket.primary_conversation
    bodies = list(conversation.messages.values_list("author_kind", "body"))
    assert bodies == [
        ("contact", "My printer is on fire."),
        ("agent", "Please try another cable."),
        ("contact", "Yes, the new cable fixed it."),
    ]
    answer = conversation.messages.get(body="Yes, the new cable fixed it.")
    assert answer.email_message_id == "<answer-1@customer.test>"
    assert answer.author_name == "Jane Doe"
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == workflow.Status.OPEN  # re-opened
    replied = waiting_ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
    assert replied.count() == 1
    record = InboundEmail.objects.get()
    assert record.outcome == InboundEmail.Outcome.THREADED
    assert record.source == "imap"
    assert record.ticket_id == waiting_ticket.pk
    assert record.message_id == answer.pk
    assert bytes(record.raw) == ANSWER  # the full original, quotes and all
    assert record.detail == f"Threaded by In-Reply-To/References {OUR_REPLY_ID}."

    assert poll() == "support@acme.test: 0 read, up to UID 1\n"
    assert conversation.messages.count() == 3
    assert InboundEmail.objects.count() == 1
    assert replied.count() == 1


def test_a_rebuilt_folder_is_read_again_without_duplicates(
    imap_mailbox, dovecot, waiting_ticket
):
    append(dovecot, ANSWER)
    poll()
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == 1
    # The server's folder was recreated: same mail, a new UIDVALIDITY.
    imap_mailbox.uidvalidity = imap_mailbox.uidvalidity - 1
    imap_mailbox.save(update_fields=["uidvalidity"])

    assert poll() == "support@acme.test: 1 read, up to UID 1\n"
    assert waiting_ticket.primary_conversation.messages.count() == 3
    assert InboundEmail.objects.count() == 1


def test_new_mail_after_the_mark_is_read(imap_mailbox, dovecot, waiting_ticket):
    append(dovecot, ANSWER)
    poll()
    append(dovecot, mail(message_id="<answer-2@customer.test>", text="One more."))

    assert poll() == "support@acme.test: 1 read, up to UID 2\n"
    assert list(
        waiting_ticket.primary_conversation.messages.values_list("body", flat=True)
    )[-2:] == ["Yes, the new cable fixed it.", "One more."]


def test_a_30_mb_mail_is_refused_with_a_clear_log_line(
    imap_mailbox, dovecot, waiting_ticket, caplog
):
    attachment = "x" * (30 * 1024 * 1024)
    append(dovecot, mail(message_id="<huge@customer.test>", text=attachment))
    caplog.set_level(logging.WARNING, logger="messaging")

    assert poll() == "support@acme.test: 1 read, up to UID 1\n"

    record = InboundEmail.objects.get()
    assert record.outcome == InboundEmail.Outcome.TOO_LARGE
    assert record.size > 30 * 1024 * 1024
    assert bytes(record.raw) == b""
    assert record.from_address == "jane@customer.test"
    assert (
        f"Inbound e-mail <huge@customer.test> from jane@customer.test refused: "
        f"{record.size} bytes is over the limit of 10485760 bytes "
        "(INBOUND_EMAIL_MAX_BYTES)." in caplog.messages
    )
    assert waiting_ticket.primary_conversation.messages.count() == 2
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == workflow.Status.WAITING_ON_CONTACT
    assert poll() == "support@acme.test: 0 read, up to UID 1\n"


def test_an_auto_reply_from_the_customers_mailbox_is_recorded_not_answered(
    imap_mailbox, dovecot, waiting_ticket
):
    append(
        dovecot,
        mail(
            message_id="<ooo@customer.test>",
            subject="Automatic reply: [TKT-1] Printer on fire",
            text="I am out of the office until Monday.",
            in_reply_to=OUR_REPLY_ID,
            headers=[("Auto-Submitted", "auto-replied")],
        ),
    )

    poll()

    record = InboundEmail.objects.get()
    assert record.outcome == InboundEmail.Outcome.AUTO_REPLY
    assert record.detail == "Auto-Submitted: auto-replied"
    assert waiting_ticket.primary_conversation.messages.count() == 2
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == workflow.Status.WAITING_ON_CONTACT
    assert not waiting_ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
    assert len(django_mail.outbox) == 0


def test_a_wrong_password_is_stored_as_the_mailbox_error(imap_mailbox, dovecot):
    imap_mailbox.imap_password = crypto.encrypt("wrong")
    imap_mailbox.save()

    assert poll().startswith("support@acme.test: error: ")
    imap_mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in imap_mailbox.last_error
    assert imap_mailbox.last_uid == 0


def test_the_beat_task_polls_every_mailbox(imap_mailbox, dovecot, waiting_ticket):
    append(dovecot, ANSWER)

    assert poll_imap() == 1
    assert poll_imap() == 0
    assert (
        Message.objects.filter(email_message_id="<answer-1@customer.test>").count() == 1
    )
