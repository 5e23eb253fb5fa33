"""Conversations: recording one, and attaching one to a ticket."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import Actor
from helpdesk.models import Contact, Workspace
from tickets import events
from tickets.models import Conversation, Message, Ticket, TicketEvent
from tickets.services._common import _lock, _save


def ticket_add_conversation(
    *, ticket: Ticket, conversation: Conversation, actor: Actor | None, **event_data
) -> Ticket:
    """Attach `conversation` to the ticket as an associated conversation.

    A conversation that already feeds the ticket changes nothing.
    """
    if conversation.workspace_id != ticket.workspace_id:
        raise ValidationError(
            {"conversation": ["That conversation does not exist in this workspace."]}
        )
    with transaction.atomic():
        ticket = _lock(ticket)
        if (
            ticket.primary_conversation_id == conversation.pk
            or ticket.associated_conversations.filter(pk=conversation.pk).exists()
        ):
            return ticket
        ticket.associated_conversations.add(conversation)
        _save(ticket, actor, [], reason=f"conversation {conversation} added")
        events.record(
            ticket,
            TicketEvent.Kind.CONVERSATION_ADDED,
            actor,
            conversation={
                "id": conversation.pk,
                "external_id": conversation.external_id,
            },
            **event_data,
        )
    return ticket


def conversation_create(
    *,
    workspace: Workspace,
    channel: str = "",
    external_id: str = "",
    contact: Contact | None = None,
    handled_by: str = Conversation.HandledBy.AI,
    started_at: datetime | None = None,
    messages: Iterable[dict] = (),
) -> Conversation:
    """Record a conversation and its messages (dicts of author_kind, body, sent_at)."""
    if contact is not None and contact.workspace_id != workspace.pk:
        raise ValidationError(
            {"contact": ["That contact does not exist in this workspace."]}
        )
    with transaction.atomic():
        conversation = Conversation.objects.create(
            workspace=workspace,
            channel=channel,
            external_id=external_id,
            contact=contact,
            handled_by=handled_by,
            started_at=started_at or timezone.now(),
        )
        Message.objects.bulk_create(
            Message(conversation=conversation, **message) for message in messages
        )
    return conversation
