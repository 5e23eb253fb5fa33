"""Comments, internal or public, and the @mentions in them."""

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import Actor, SystemActor, actor_label, actor_user
from helpdesk.models import Membership, Workspace
from tickets import events
from tickets.models import Comment, Message, Ticket, TicketEvent
from tickets.services._common import MAX_TEXT, _lock, _save
from tickets.services.attachments import (
    attachments_save,
    attachments_validate,
    files_kept_on_success,
)

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
    attachments: Sequence = (),
    route: str = "",
    author: tuple | None = None,
    pulled_from: str = "",
) -> Comment:
    """Add an internal or public comment with its files (uploaded files or
    (name, file, size) tuples), all checked before anything is written.

    A public comment goes to the customer (see _reply); its files go with it.
    `route` (one of REPLY_ROUTES) asks for the chat or e-mail; the event carries it.
    A comment pulled from a synced platform (`pulled_from`, its key), written there
    by `author` ((member or None, name)), was delivered there: not by our channels.
    """
    body = _checked(body, route)
    checked = attachments_validate(attachments)
    user, label = author or (actor_user(actor), actor_label(actor))
    with files_kept_on_success() as stored, transaction.atomic():
        ticket = _lock(ticket)
        now = timezone.now()
        comment = Comment.objects.create(
            ticket=ticket,
            author=user,
            author_label=label,
            body=body,
            is_public=is_public,
        )
        mentions = mentioned_members(ticket.workspace, body)
        if mentions:
            comment.mentions.set(mentions)
        fields, message = (
            _reply(ticket, actor, comment, now) if is_public else ([], None)
        )
        files = attachments_save(
            workspace=ticket.workspace,
            checked=checked,
            stored=stored,
            comment=comment,
            message=message,
            uploaded_by=user,
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
            **_event_extra(files, message, route if is_public else "", pulled_from),
        )
    return comment


def _event_extra(files, message, route: str, pulled_from: str) -> dict:
    """The optional parts of a COMMENTED event's data."""
    extra: dict = {"attachments": [f.original_name for f in files]} if files else {}
    if message:
        extra["message_id"] = message.pk
    if route:
        extra["route"] = route
    if pulled_from:
        extra["pulled_from"] = pulled_from
    return extra


def _reply(
    ticket: Ticket, actor: Actor | None, comment: Comment, now
) -> tuple[list[str], Message | None]:
    """A public comment, the first time, marks the ticket's first response; it is
    appended to the primary conversation as an agent message. The fields to save
    and that message."""
    fields, message = [], None
    if ticket.first_responded_at is None and not isinstance(actor, SystemActor):
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    if ticket.primary_conversation_id:
        message = Message.objects.create(
            conversation_id=ticket.primary_conversation_id,
            author_kind=Message.AuthorKind.AGENT,
            author_name=comment.author_label,
            author_user=comment.author,
            body=comment.body,
            sent_at=now,
            comment=comment,
        )
    return fields, message
