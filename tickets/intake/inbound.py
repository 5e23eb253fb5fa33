"""Messages and conversations arriving from outside: the transcript of an
escalation (`conversation_upsert`), customer replies posted to a stored conversation
(`conversation_add_messages`), and a ticket opened on a conversation by hand
(`ticket_create_from_conversation`: UI, API and admin alike).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import CUSTOMER_ACTOR, Actor
from helpdesk.lib.bulk import insert_if_new
from helpdesk.models import Contact, Team, Workspace
from tickets import services
from tickets.conversations import (
    customer_replied,
    messages_append,
    tool_calls_announce,
)
from tickets.intake import summaries
from tickets.intake.serializers import IntakeInput, parse_messages
from tickets.models import Conversation, Label, Message, Ticket


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
        added = messages_append(conversation, parsed)
        tickets = customer_replied(conversation, added, actor)
        tool_calls_announce(conversation, added, actor)
    return MessagesResult(conversation=conversation, added=added, tickets=tickets)


def conversation_upsert(
    *, workspace: Workspace, data: IntakeInput, contact: Contact | None
) -> tuple[Conversation, list[Message], bool]:
    """The workspace's conversation with this external id (created if new, its
    contact filled in if it had none), the messages newly added to it, and whether
    it is new. A new one is inserted first (the common case: one statement, and a
    concurrent post of it waits for this transaction); a known one is locked."""
    started = data.started_at or min(
        (m.sent_at for m in data.messages), default=timezone.now()
    )
    for _attempt in range(2):
        conversation = Conversation(
            workspace=workspace,
            channel=data.channel,
            external_id=data.external_id,
            contact=contact,
            handled_by=Conversation.HandledBy.AI,
            started_at=started,
        )
        if insert_if_new(conversation):
            added = messages_append(conversation, data.messages, fresh=True)
            return conversation, added, True
        conversation = (
            Conversation.objects.select_for_update()
            .filter(workspace=workspace, external_id=data.external_id)
            .first()
        )
        if conversation is not None:
            _fill_in(conversation, data, contact)
            return conversation, messages_append(conversation, data.messages), False
    raise ValidationError(
        {"conversation.external_id": ["Could not save the conversation; try again."]}
    )


def _fill_in(
    conversation: Conversation, data: IntakeInput, contact: Contact | None
) -> None:
    """Give a known conversation the contact and channel it lacks."""
    changed = []
    if contact is not None and conversation.contact_id is None:
        conversation.contact = contact
        changed.append("contact")
    if data.channel and not conversation.channel:
        conversation.channel = data.channel
        changed.append("channel")
    if changed:
        conversation.save(update_fields=changed)


@dataclass
class TicketDraft:
    """What a ticket opened on a conversation starts with: the customer's first
    words as its subject and the transcript's summary."""

    subject: str
    summary: summaries.Summary


def ticket_draft(conversation: Conversation) -> TicketDraft:
    """The subject and summary "Create ticket" proposes (and uses when the agent
    leaves the subject blank)."""
    lines = summaries.lines_of(conversation)
    first = next(
        (ln.body for ln in lines if ln.author_kind == Message.AuthorKind.CONTACT), ""
    )
    subject = summaries.clip(" ".join(first.split()), Ticket.SUBJECT_MAX_LENGTH)
    subject = subject or f"Conversation {conversation.external_id or conversation.pk}"
    return TicketDraft(subject=subject, summary=summaries.summarise(lines))


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
    draft = ticket_draft(conversation)
    summary = draft.summary
    return services.ticket_create(
        workspace=conversation.workspace,
        actor=actor,
        subject=subject if subject.strip() else draft.subject,
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
