"""Which conversation of the workspace an e-mail continues: by In-Reply-To /
References, else the `[TKT-n]` in the subject, else the sender's newest open
ticket. Every lookup is scoped to the workspace the mail was addressed to."""

import re
from dataclasses import dataclass

from helpdesk.actors import SystemActor
from helpdesk.models import Contact, Workspace
from messaging.inbound.parse import ParsedEmail
from messaging.models import Delivery
from tickets import services, workflow
from tickets.conversations import conversation_create
from tickets.models import Conversation, Message, Ticket
from tickets.refs import parse_ref

EMAIL_ACTOR = SystemActor("E-mail")
_SUBJECT_REF = re.compile(r"\[(#?[A-Za-z][A-Za-z0-9]*-\d+)\]")


@dataclass
class Target:
    conversation: Conversation
    ticket: Ticket | None
    via: str


def _by_message_id(workspace: Workspace, parsed: ParsedEmail) -> Target | None:
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if not ids:
        return None
    # Stored either with or without the angle brackets.
    variants = ids + [i.strip("<>") for i in ids]
    found = {
        m.email_message_id: m
        for m in Message.objects.filter(
            conversation__workspace=workspace, email_message_id__in=variants
        ).select_related("conversation")
    }
    for i in ids:
        message = found.get(i) or found.get(i.strip("<>"))
        if message is not None:
            return Target(message.conversation, None, f"In-Reply-To/References {i}")
    return None


def _by_subject(workspace: Workspace, parsed: ParsedEmail) -> Ticket | None:
    """The ticket named in the subject, when the sender is its requester (a ticket
    number is easy to guess; only its customer may write into it this way)."""
    for ref in _SUBJECT_REF.findall(parsed.subject):
        try:
            number = parse_ref(ref, workspace.ticket_prefix)
        except ValueError:
            continue
        ticket = (
            Ticket.objects.filter(workspace=workspace, number=number)
            .select_related("requester", "primary_conversation")
            .first()
        )
        if (
            ticket
            and ticket.requester
            and ticket.requester.email.lower() == (parsed.from_address)
        ):
            return ticket
    return None


def _by_sender(workspace: Workspace, parsed: ParsedEmail) -> Ticket | None:
    if not parsed.from_address:
        return None
    return (
        Ticket.objects.filter(
            workspace=workspace,
            requester__email__iexact=parsed.from_address,
            status__in=workflow.ACTIVE_STATUSES,
        )
        .select_related("primary_conversation")
        .order_by("-created_at", "-id")
        .first()
    )


def conversation_of(ticket: Ticket, contact: Contact | None) -> Conversation:
    """Where the ticket's e-mail goes: its primary conversation, else its e-mail
    conversation (one is started and attached when it has none)."""
    if ticket.primary_conversation is not None:
        return ticket.primary_conversation
    existing = ticket.associated_conversations.filter(channel="email").first()
    if existing is not None:
        return existing
    conversation = conversation_create(
        workspace=ticket.workspace, channel="email", contact=contact
    )
    services.ticket_add_conversation(
        ticket=ticket, conversation=conversation, actor=EMAIL_ACTOR
    )
    return conversation


def _by_delivery(workspace: Workspace, parsed: ParsedEmail) -> Ticket | None:
    """The ticket of a reply we e-mailed: a reply to a ticket without a
    conversation keeps its Message-ID on the delivery only."""
    ids = [i for i in [parsed.in_reply_to, *parsed.references] if i]
    variants = ids + [f"<{i.strip('<>')}>" for i in ids]
    delivery = (
        Delivery.objects.filter(workspace=workspace, email_message_id__in=variants)
        .select_related("ticket__requester", "ticket__primary_conversation")
        .first()
        if ids
        else None
    )
    return delivery.ticket if delivery else None


def find_target(workspace: Workspace, parsed: ParsedEmail) -> Target | None:
    target = _by_message_id(workspace, parsed)
    if target is not None:
        return target
    ticket = _by_delivery(workspace, parsed)
    if ticket is not None:
        via = f"In-Reply-To/References a reply of {ticket.ref}"
        return Target(conversation_of(ticket, ticket.requester), ticket, via)
    ticket = _by_subject(workspace, parsed)
    via = f"subject {ticket.ref}" if ticket else ""
    if ticket is None:
        ticket = _by_sender(workspace, parsed)
        via = f"the sender's newest open ticket {ticket.ref}" if ticket else ""
    if ticket is None:
        return None
    return Target(conversation_of(ticket, ticket.requester), ticket, via)
