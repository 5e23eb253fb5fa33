"""Attaching a conversation to a ticket (recording one: tickets.conversations)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.actors import Actor
from tickets import events
from tickets.models import Conversation, Ticket, TicketEvent
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
