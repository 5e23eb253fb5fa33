"""Comments, internal or public, and the @mentions in them."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import Actor, SystemActor, actor_label, actor_user
from helpdesk.models import Membership, Workspace
from tickets import events
from tickets.models import Comment, Message, Ticket, TicketEvent
from tickets.services._common import MAX_TEXT, _lock, _save

MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+)")
# Which way a public reply should reach the customer ("" = the channels decide);
# the handler of the channels (messaging) reads it from the COMMENTED event.
REPLY_ROUTES = ("", "chat", "email")


def mentioned_members(workspace: Workspace, body: str) -> list:
    """Members of the workspace named as @username in `body`."""
    names = {name.rstrip(".").lower() for name in MENTION.findall(body or "")}
    if not names:
        return []
    return [
        m.user
        for m in Membership.objects.filter(workspace=workspace).select_related("user")
        if m.user.username.lower() in names
    ]


def _checked(body: str, route: str) -> str:
    """The comment's text, stripped; ValidationError naming the bad field."""
    if route not in REPLY_ROUTES:
        raise ValidationError({"route": ["Choose chat, email or leave it empty."]})
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["The comment cannot be empty."]})
    if len(body) > MAX_TEXT:
        raise ValidationError({"body": [f"At most {MAX_TEXT} characters."]})
    return body


def comment_add(
    *,
    ticket: Ticket,
    actor: Actor | None,
    body: str,
    is_public: bool = False,
    route: str = "",
) -> Comment:
    """Add an internal or public comment.

    A public comment goes to the customer: it is appended to the primary conversation
    as an agent message and, the first time, marks the ticket's first response.
    `route` (one of REPLY_ROUTES) asks for the chat or e-mail; the event carries it.
    """
    body = _checked(body, route)
    with transaction.atomic():
        ticket = _lock(ticket)
        now = timezone.now()
        comment = Comment.objects.create(
            ticket=ticket,
            author=actor_user(actor),
            author_label=actor_label(actor),
            body=body,
            is_public=is_public,
        )
        mentions = mentioned_members(ticket.workspace, body)
        if mentions:
            comment.mentions.set(mentions)
        fields = []
        message = None
        if is_public:
            if ticket.first_responded_at is None and not isinstance(actor, SystemActor):
                ticket.first_responded_at = now
                fields.append("first_responded_at")
            if ticket.primary_conversation_id:
                message = Message.objects.create(
                    conversation_id=ticket.primary_conversation_id,
                    author_kind=Message.AuthorKind.AGENT,
                    author_name=actor_label(actor),
                    author_user=actor_user(actor),
                    body=body,
                    sent_at=now,
                )
        reason = "public reply" if is_public else "note"
        _save(ticket, actor, fields, reason=reason, bump=False)
        events.record(
            ticket,
            TicketEvent.Kind.COMMENTED,
            actor,
            comment_id=comment.pk,
            public=is_public,
            excerpt=body[:200],
            mentions=[u.username for u in mentions],
            **({"message_id": message.pk} if message else {}),
            **({"route": route} if is_public and route else {}),
        )
    return comment
