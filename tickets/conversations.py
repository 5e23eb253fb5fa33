"""Conversations and customer messages: the transcript side of the intake.

`conversation_upsert` stores an escalated conversation (by external id) and the
messages it does not have yet; `conversation_add_messages` appends customer replies
to a stored one; `customer_replied` announces new customer messages on every ticket
the conversation feeds; `ticket_create_from_conversation` opens a ticket on a
conversation by hand (UI, API and admin alike); `conversation_create` records one
whole (demo data, tests, imports).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.actors import CUSTOMER_ACTOR, Actor
from helpdesk.models import Contact, Team, Workspace
from tickets import events, services, workflow
from tickets.intake import summaries
from tickets.intake.serializers import IntakeInput, MessageInput, parse_messages
from tickets.models import Conversation, Label, Message, Ticket, TicketEvent


def _message_key(kind: str, body: str, sent_at: datetime) -> tuple:
    return (kind, body, sent_at.astimezone(UTC).replace(microsecond=0))


def _append_messages(
    conversation: Conversation, messages: Iterable[MessageInput]
) -> list[Message]:
    """Save the messages the conversation does not have yet (same author kind, body
    and time to the second), so a re-posted transcript adds only what is new."""
    existing = {
        _message_key(kind, body, sent_at)
        for kind, body, sent_at in conversation.messages.values_list(
            "author_kind", "body", "sent_at"
        )
    }
    new = []
    for m in messages:
        key = _message_key(m.author_kind, m.body, m.sent_at)
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
            )
        )
    return Message.objects.bulk_create(new)


def _tickets_fed_by(conversation: Conversation) -> list[Ticket]:
    # Two indexed lookups: an OR across the join would scan every ticket.
    primary = Ticket.objects.filter(primary_conversation=conversation)
    associated = Ticket.objects.filter(associated_conversations=conversation)
    tickets = {ticket.pk: ticket for ticket in [*primary, *associated]}
    return [tickets[pk] for pk in sorted(tickets)]


def customer_replied(
    conversation: Conversation, added: list[Message], actor: Actor | None
) -> list[Ticket]:
    """After customer messages: a CUSTOMER_REPLIED event on every ticket the
    conversation feeds; waiting-on-contact tickets reopen and snoozed ones wake."""
    from_contact = [m for m in added if m.author_kind == Message.AuthorKind.CONTACT]
    if not from_contact:
        return []
    touched = []
    for ticket in _tickets_fed_by(conversation):
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
            if ticket.status == workflow.Status.WAITING_ON_CONTACT:
                ticket = services.ticket_change_status(
                    ticket=ticket, to=workflow.Status.OPEN, actor=actor
                )
            if ticket.snoozed_until is not None:
                ticket = services.ticket_unsnooze(ticket=ticket, actor=actor)
        touched.append(ticket)
    return touched


@dataclass
class MessagesResult:
    conversation: Conversation
    added: list[Message]
    tickets: list[Ticket] = field(default_factory=list)


def conversation_add_messages(
    *,
    conversation: Conversation,
    messages: Any,
    actor: Actor | None = CUSTOMER_ACTOR,
) -> MessagesResult:
    """Append messages (dicts of author_kind, body, sent_at, author_name), validated
    by `CustomerMessagesSerializer`; a message without `sent_at` takes the time of
    receipt.

    Messages already in the conversation are skipped. Each new customer message is
    announced on the tickets the conversation feeds (see `customer_replied`).
    """
    parsed = parse_messages(messages)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        added = _append_messages(conversation, parsed)
        tickets = customer_replied(conversation, added, actor)
    return MessagesResult(conversation=conversation, added=added, tickets=tickets)


def conversation_upsert(
    *, workspace: Workspace, data: IntakeInput, contact: Contact | None
) -> tuple[Conversation, list[Message]]:
    """The workspace's conversation with this external id (created if new, its
    contact filled in if it had none), and the messages newly added to it."""
    for _attempt in range(2):
        conversation = (
            Conversation.objects.select_for_update()
            .filter(workspace=workspace, external_id=data.external_id)
            .first()
        )
        if conversation is not None:
            changed = []
            if contact is not None and conversation.contact_id is None:
                conversation.contact = contact
                changed.append("contact")
            if data.channel and not conversation.channel:
                conversation.channel = data.channel
                changed.append("channel")
            if changed:
                conversation.save(update_fields=changed)
            return conversation, _append_messages(conversation, data.messages)
        started = data.started_at or min(
            (m.sent_at for m in data.messages), default=timezone.now()
        )
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    workspace=workspace,
                    channel=data.channel,
                    external_id=data.external_id,
                    contact=contact,
                    handled_by=Conversation.HandledBy.AI,
                    started_at=started,
                )
        except IntegrityError:
            continue  # created by a concurrent intake: read it back
        return conversation, _append_messages(conversation, data.messages)
    raise ValidationError(
        {"conversation.external_id": ["Could not save the conversation; try again."]}
    )


# --- tickets from a conversation, by hand ---


def ticket_create_from_conversation(
    *,
    conversation: Conversation,
    actor: Actor | None,
    subject: str = "",
    priority: int = Ticket.Priority.MEDIUM,
    team: Team | None = None,
    label: Label | None = None,
    tags: Iterable[str] = (),
    assignee: Any = services.UNSET,
) -> Ticket:
    """Open a ticket on a conversation (one conversation may spawn several).

    The conversation becomes the ticket's primary one and its contact the requester;
    the summary is written from the transcript; the subject defaults to the
    customer's first words. Like any manual ticket it is assigned to its creator
    unless an assignee (or None) is given.
    """
    lines = summaries.lines_of(conversation)
    if not subject.strip():
        first = next(
            (ln.body for ln in lines if ln.author_kind == Message.AuthorKind.CONTACT),
            "",
        )
        subject = summaries.clip(" ".join(first.split()), Ticket.SUBJECT_MAX_LENGTH)
        subject = (
            subject or f"Conversation {conversation.external_id or conversation.pk}"
        )
    summary = summaries.summarise(lines)
    return services.ticket_create(
        workspace=conversation.workspace,
        actor=actor,
        subject=subject,
        priority=priority,
        assignee=assignee,
        team=team,
        label=label,
        tags=tags,
        requester=conversation.contact,
        primary_conversation=conversation,
        channel=conversation.channel,
        summary=summary.text,
        summary_by=summary.by,
    )


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
