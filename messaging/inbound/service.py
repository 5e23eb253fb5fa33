"""The one way an e-mail comes in (webhook or IMAP poller alike).

`inbound_email_receive` records the mail (the full original kept) once per
Message-ID and workspace, refuses what is too large, records auto-replies and our
own mail without answering them, threads a customer's reply into its conversation
through the intake's `conversation_add_messages` (re-opens, wakes, marks unread),
and hands mail from an unknown thread to the escalation intake, whose rules may
turn it into a ticket.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from messaging.inbound import screening
from messaging.inbound.parse import ParsedEmail, header, message_ids, parse
from messaging.inbound.threading import EMAIL_ACTOR, find_target
from messaging.models import Channel, InboundEmail, InboundMailbox
from tickets.intake.inbound import conversation_add_messages
from tickets.intake.service import escalation_intake
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

MAX_BODY = 100_000
Outcome = InboundEmail.Outcome


@dataclass
class Envelope:
    """What the transport knows beyond the mail's own bytes."""

    source: str
    recipients: list[str] = field(default_factory=list)  # envelope recipients
    authentication: dict = field(default_factory=dict)  # the service's verdicts
    size: int | None = None  # when only part of the bytes were fetched


def mailbox_for(addresses: list[str]) -> InboundMailbox | None:
    """The active mailbox the mail was addressed to (envelope recipients first)."""
    wanted = [a.strip().lower() for a in addresses if a and "@" in a]
    if not wanted:
        return None
    found = {
        m.address_lower: m
        for m in InboundMailbox.objects.annotate(address_lower=Lower("address"))
        .filter(address_lower__in=wanted, is_active=True)
        .select_related("workspace")
    }
    return next((found[a] for a in wanted if a in found), None)


def _own_addresses() -> set[str]:
    """Our mailboxes and the reply channels' sender addresses."""
    mailboxes = InboundMailbox.objects.values_list("address", flat=True)
    senders = Channel.objects.exclude(from_email="").values_list(
        "from_email", flat=True
    )
    return {a.lower() for a in [*mailboxes, *senders]}


def inbound_email_receive(
    *, raw: bytes, envelope: Envelope, mailbox: InboundMailbox | None = None
) -> InboundEmail | None:
    """Record and act on one e-mail; the stored row (the first one for a mail seen
    before), or None when it was addressed to no mailbox of ours."""
    size = envelope.size if envelope.size is not None else len(raw)
    limit = settings.INBOUND_EMAIL_MAX_BYTES
    if size > limit:
        return _refuse_too_large(raw, envelope, mailbox, size, limit)
    parsed = parse(raw)
    mailbox = mailbox or mailbox_for(envelope.recipients + parsed.recipients)
    if mailbox is None:
        logger.warning(
            "Inbound e-mail %s from %s dropped: addressed to no inbound mailbox (%s).",
            parsed.message_id,
            parsed.from_address,
            ", ".join(envelope.recipients + parsed.recipients) or "no recipients",
        )
        return None
    with transaction.atomic():
        record = _claim(mailbox, envelope, parsed, raw, size)
        if record.pk is None:
            return InboundEmail.objects.get(
                workspace=mailbox.workspace, email_message_id=parsed.message_id
            )
        _act(record, parsed)
    return record


def _claim(mailbox, envelope, parsed: ParsedEmail, raw: bytes, size: int):
    """A new row for this Message-ID in the mailbox's workspace (unsaved, pk None,
    when the workspace has it already: a repeated webhook or poll)."""
    record = InboundEmail(
        workspace=mailbox.workspace,
        mailbox=mailbox,
        source=envelope.source,
        email_message_id=parsed.message_id,
        from_address=parsed.from_address[:320],
        from_name=parsed.from_name[:200],
        to_address=mailbox.address,
        subject=parsed.subject[:500],
        in_reply_to=parsed.in_reply_to[:255],
        size=size,
        raw=raw,
        html=parsed.html,
        authentication=screening.authentication(
            parsed.headers, envelope.authentication
        ),
        outcome=Outcome.THREADED,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        record.pk = None
    return record


def _act(record: InboundEmail, parsed: ParsedEmail) -> None:
    workspace = record.workspace
    loop = screening.loop_reason(parsed, _own_addresses())
    auto = screening.auto_reply_reason(parsed.headers, parsed.from_address)
    if loop or auto:
        record.outcome = Outcome.LOOP if loop else Outcome.AUTO_REPLY
        record.detail = (loop or auto)[:500]
        logger.info(
            "Inbound e-mail %s from %s recorded, not answered: %s.",
            parsed.message_id,
            parsed.from_address,
            record.detail,
        )
    else:
        target = find_target(workspace, parsed)
        try:
            if target is None:
                _start(record, parsed)
            else:
                _thread(record, parsed, target)
        except ValidationError as error:
            record.outcome = Outcome.INVALID
            record.detail = "; ".join(error.messages)[:500]
            logger.warning(
                "Inbound e-mail %s refused: %s", parsed.message_id, record.detail
            )
    record.save(
        update_fields=["outcome", "detail", "conversation", "message", "ticket"]
    )


def _message(parsed: ParsedEmail) -> dict:
    return {
        "author_kind": Message.AuthorKind.CONTACT,
        "author_name": parsed.from_name[:200],
        "body": (parsed.text or parsed.subject or "(no text)")[:MAX_BODY],
        "sent_at": None,  # the time of receipt: a Date header is the sender's word
    }


def _mark(messages: list[Message], parsed: ParsedEmail) -> Message | None:
    """Stamp the stored message with the mail's Message-ID (for later replies)."""
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(
        email_message_id=parsed.message_id
    )
    return messages[-1] if messages else None


def _thread(record: InboundEmail, parsed: ParsedEmail, target) -> None:
    with transaction.atomic():
        result = conversation_add_messages(
            conversation=target.conversation, messages=[_message(parsed)]
        )
        record.outcome = Outcome.THREADED
        record.detail = f"Threaded by {target.via}."[:500]
        record.conversation = result.conversation
        record.message = _mark(result.added, parsed)
        record.ticket = target.ticket or (result.tickets[0] if result.tickets else None)


def _start(record: InboundEmail, parsed: ParsedEmail) -> None:
    """A new conversation (channel "email"); the escalation rules decide whether
    it becomes a ticket."""
    external_id = f"email:{parsed.message_id}"[:200]
    result = escalation_intake(
        workspace=record.workspace,
        actor=EMAIL_ACTOR,
        payload={
            "event_id": external_id,
            "subject": parsed.subject[: Ticket.SUBJECT_MAX_LENGTH],
            "conversation": {
                "external_id": external_id,
                "channel": "email",
                "contact": {"email": parsed.from_address, "name": parsed.from_name},
                "messages": [_message(parsed)],
            },
        },
    )
    contact_messages = result.conversation.messages.filter(
        author_kind=Message.AuthorKind.CONTACT
    )
    record.outcome = Outcome.STARTED
    record.detail = result.detail[:500]
    record.conversation = result.conversation
    record.message = _mark(list(contact_messages), parsed)
    record.ticket = result.ticket


def _refuse_too_large(raw, envelope, mailbox, size: int, limit: int):
    """Record (headers only) and log a mail over INBOUND_EMAIL_MAX_BYTES."""
    head = raw[:262_144]
    headers = BytesHeaderParser(policy=policy.default).parsebytes(head)
    message_id = (message_ids(header(headers, "Message-ID")) or [""])[0]
    sender = parseaddr(header(headers, "From"))[1].lower()
    logger.warning(
        "Inbound e-mail %s from %s refused: %s bytes is over the limit of %s bytes "
        "(INBOUND_EMAIL_MAX_BYTES).",
        message_id or "(no Message-ID)",
        sender or "(no sender)",
        size,
        limit,
    )
    mailbox = mailbox or mailbox_for(
        envelope.recipients + [a for _, a in getaddresses([header(headers, "To")])]
    )
    if mailbox is None:
        return None
    digest = hashlib.sha256(head).hexdigest()
    record, _ = InboundEmail.objects.get_or_create(
        workspace=mailbox.workspace,
        email_message_id=message_id[:255] or f"<{digest}@inbound.invalid>",
        defaults={
            "mailbox": mailbox,
            "source": envelope.source,
            "from_address": sender[:320],
            "to_address": mailbox.address,
            "subject": header(headers, "Subject")[:500],
            "size": size,
            "raw": b"",
            "outcome": Outcome.TOO_LARGE,
            "detail": f"{size} bytes is over the limit of {limit} bytes.",
        },
    )
    return record
