"""Conversations and their messages, the transcript side of tickets.

`messages_append` stores the messages a conversation does not have yet;
`customer_replied` announces new customer messages on every ticket the conversation
feeds (the one place a customer message reopens a waiting ticket and wakes a snoozed
one); `conversation_end` closes a conversation; `conversation_create` records one
whole (demo data, tests). What arrives from outside (escalations, customer
messages, "Create ticket" on a conversation) is the intake's:
tickets.intake.inbound and tickets.intake.service.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import Actor
from helpdesk.models import Contact, Workspace
from tickets import events, services, workflow
from tickets.attachments import CheckedAttachment
from tickets.models import Conversation, Message, Ticket, TicketEvent
from tickets.services.attachments import attachments_save, files_kept_on_success


@dataclass
class MessageInput:
    """One validated message to store (the intake's serializers make them)."""

    author_kind: str
    body: str
    sent_at: datetime
    author_name: str = ""
    tool_call: dict | None = None
    attachments: list[CheckedAttachment] = field(default_factory=list)


def _message_key(
    kind: str, body: str, sent_at: datetime, tool_call: dict | None
) -> tuple:
    call = json.dumps(tool_call, sort_keys=True) if tool_call is not None else ""
    return (kind, body, sent_at.astimezone(UTC).replace(microsecond=0), call)


def messages_append(
    conversation: Conversation, messages: Iterable[MessageInput], *, fresh=False
) -> list[Message]:
    """Save the messages the conversation does not have yet (same author kind, body,
    tool call and time to the second), so a re-posted transcript adds only what is
    new. `fresh`: the conversation was just created, so it has none to read."""
    rows = (
        ()
        if fresh
        else conversation.messages.values_list(
            "author_kind", "body", "sent_at", "tool_call"
        )
    )
    existing = {_message_key(*row) for row in rows}
    new, files = [], []
    for m in messages:
        key = _message_key(m.author_kind, m.body, m.sent_at, m.tool_call)
        if key in existing:
            continue
        existing.add(key)
        new.append(
            Message(
                conversation=conversation,
                author_kind=m.author_kind,
                author_name=m.author_name,
                body=m.body,
                sent_at=m.sent_at,
                tool_call=m.tool_call,
            )
        )
        files.append(m.attachments)
    saved = Message.objects.bulk_create(new)
    with files_kept_on_success() as stored:
        for message, checked in zip(saved, files, strict=True):
            if checked:
                attachments_save(
                    workspace=conversation.workspace,
                    checked=checked,
                    stored=stored,
                    message=message,
                )
    return saved


def tickets_fed_by(conversation: Conversation) -> list[Ticket]:
    # Two indexed lookups: an OR across the join would scan every ticket.
    primary = Ticket.objects.filter(primary_conversation=conversation)
    associated = Ticket.objects.filter(associated_conversations=conversation)
    tickets = {ticket.pk: ticket for ticket in [*primary, *associated]}
    return [tickets[pk] for pk in sorted(tickets)]


def tool_calls_announce(
    conversation: Conversation, added: list[Message], actor: Actor | None
) -> None:
    """A TOOL_CALL event per new tool call on every ticket the conversation feeds,
    so the AI's actions show in each ticket's timeline."""
    calls = [m for m in added if m.author_kind == Message.AuthorKind.TOOL]
    if not calls:
        return
    events.record_many(
        [
            (
                ticket,
                TicketEvent.Kind.TOOL_CALL,
                {
                    "conversation": conversation.pk,
                    "message": m.pk,
                    "name": m.tool_call["name"],
                    "status": m.tool_call["status"],
                    "sent_at": m.sent_at.isoformat(),
                },
            )
            for ticket in tickets_fed_by(conversation)
            for m in calls
        ],
        actor,
    )


def customer_replied(
    conversation: Conversation, added: list[Message], actor: Actor | None
) -> list[Ticket]:
    """After customer messages: a CUSTOMER_REPLIED event on every ticket the
    conversation feeds (its handler notifies the assignee); the ticket turns unread
    for its assignee; waiting-on-contact tickets reopen and snoozed ones wake."""
    from_contact = [m for m in added if m.author_kind == Message.AuthorKind.CONTACT]
    if not from_contact:
        return []
    touched = []
    for ticket in tickets_fed_by(conversation):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            events.record(
                ticket,
                TicketEvent.Kind.CUSTOMER_REPLIED,
                actor,
                conversation={
                    "id": conversation.pk,
                    "external_id": conversation.external_id,
                },
                messages=len(from_contact),
                excerpt=from_contact[-1].body[:200],
                sent_at=from_contact[-1].sent_at.isoformat(),
            )
            services.ticket_mark_unread(ticket=ticket)
            if ticket.status == workflow.Status.WAITING_ON_CONTACT:
                ticket = services.ticket_change_status(
                    ticket=ticket, to=workflow.Status.OPEN, actor=actor
                )
            if ticket.snoozed_until is not None:
                ticket = services.ticket_unsnooze(ticket=ticket, actor=actor)
        touched.append(ticket)
    return touched


def conversation_end(*, conversation: Conversation, actor: Actor | None) -> bool:
    """End the conversation (its state becomes "closed") and record a
    CONVERSATION_ENDED event on every ticket it feeds. False, and nothing written,
    when it had already ended."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.ended_at is not None:
            conversation.ended_at = locked.ended_at
            return False
        conversation.ended_at = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(
            ended_at=conversation.ended_at
        )
        data = {"conversation": {"id": locked.pk, "external_id": locked.external_id}}
        events.record_many(
            [
                (ticket, TicketEvent.Kind.CONVERSATION_ENDED, data)
                for ticket in tickets_fed_by(locked)
            ],
            actor,
        )
    return True


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
