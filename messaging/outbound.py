"""Which way a public reply goes, and its Delivery row, written in the reply's own
transaction by `on_ticket_events` (registered with tickets.events at order 400,
after the sync outbox, whose links it reads).

A reply goes to the conversation's chat when the workspace has a chat callback and
the conversation is live (not ended), else by e-mail to the requester. The agent may
ask for either (the comment's `route`); asking for one that cannot carry the reply
is a ValidationError on `route`, which rolls the whole reply back. A ticket synced
to a platform that delivers public replies itself (PlatformSpec.
delivers_public_replies) gets a `handed_off` row and nothing is sent from here."""

from dataclasses import dataclass
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q

from helpdesk.actors import Actor
from integrations import registry
from integrations.models import ExternalLink
from messaging import attachments, render
from messaging.models import Channel, Delivery
from tickets.models import Comment, Message, Ticket, TicketEvent


@dataclass(frozen=True)
class Routes:
    """What can carry a reply on this ticket now, and what goes by default."""

    chat: Channel | None  # the chat callback, when the conversation is live
    email: Channel | None  # the e-mail channel, when the requester has an address
    platform: str  # key of the synced platform that delivers, or ""

    @property
    def default(self) -> str:
        if self.platform:
            return Delivery.Route.PLATFORM
        if self.chat:
            return Delivery.Route.CHAT
        return Delivery.Route.EMAIL if self.email else ""

    @property
    def platform_label(self) -> str:
        return registry.get(self.platform).label if self.platform else ""


def _channels(workspace_id: int) -> dict[str, Channel]:
    return {c.kind: c for c in Channel.objects.filter(workspace_id=workspace_id)}


def routes_for(ticket: Ticket, channels: dict[str, Channel] | None = None) -> Routes:
    if channels is None:
        channels = _channels(ticket.workspace_id)
    chat = channels.get(Channel.Kind.CHAT)
    conversation = (
        ticket.primary_conversation if ticket.primary_conversation_id else None
    )
    live = bool(conversation and conversation.external_id and not conversation.ended_at)
    email = channels.get(Channel.Kind.EMAIL)
    requester = ticket.requester if ticket.requester_id else None
    addressed = bool(requester and requester.email)
    return Routes(
        chat=chat if chat and chat.enabled and live else None,
        email=email if email and email.enabled and addressed else None,
        platform=_delivering_platform(ticket),
    )


def _delivering_platform(ticket: Ticket) -> str:
    """The synced platform that sends this ticket's public replies itself, if any."""
    delivering = registry.delivering_platforms()
    if not delivering:
        return ""
    link = (
        ExternalLink.objects.filter(
            ticket=ticket,
            platform__in=delivering,
            connection__enabled=True,
            connection__push_enabled=True,
        )
        .order_by("id")
        .first()
    )
    return link.platform if link else ""


def choose(routes: Routes, asked: str) -> str:
    """The route of the reply: the one asked for, checked, else the default."""
    if routes.platform:
        return Delivery.Route.PLATFORM  # one delivery per reply: the platform's
    if asked == Delivery.Route.CHAT and routes.chat is None:
        raise ValidationError(
            {"route": ["No live chat with a callback: send this reply by e-mail."]}
        )
    if asked == Delivery.Route.EMAIL and routes.email is None:
        raise ValidationError(
            {"route": ["No e-mail channel or no requester address for e-mail."]}
        )
    return asked or routes.default


# --- the events handler ---


def on_ticket_events(recorded: list[TicketEvent], actor: Actor | None) -> None:
    """Queue a Delivery for each public reply among `recorded`."""
    for event in recorded:
        # A reply pulled from a synced platform was delivered there already.
        if (
            event.kind == TicketEvent.Kind.COMMENTED
            and event.data.get("public")
            and not event.data.get("pulled_from")
        ):
            queue_reply(event)


def queue_reply(event: TicketEvent) -> Delivery | None:
    channels = _channels(event.workspace_id)
    asked = event.data.get("route", "")
    if not asked and not any(c.enabled for c in channels.values()):
        return None  # no channel set up: the reply is stored only (one query)
    ticket = Ticket.objects.select_related(
        "workspace", "requester", "primary_conversation"
    ).get(pk=event.ticket_id)
    comment = Comment.objects.get(pk=event.data["comment_id"])
    routes = routes_for(ticket, channels)
    route = choose(routes, asked)
    if not route:
        return None  # no channel configured: the reply is stored only
    message = (
        Message.objects.filter(pk=event.data["message_id"]).first()
        if event.data.get("message_id")
        else None
    )
    delivery = Delivery(
        workspace_id=ticket.workspace_id,
        ticket=ticket,
        comment=comment,
        message=message,
        route=route,
    )
    if route == Delivery.Route.PLATFORM:
        delivery.state = Delivery.State.HANDED_OFF
        delivery.platform = routes.platform
        delivery.thread_key = f"platform:{ticket.pk}"
        delivery.reason = f"Sent to the customer by {routes.platform_label}."
    elif route == Delivery.Route.CHAT:
        _chat(delivery, routes.chat, ticket, comment, message)
    else:
        _email(delivery, routes.email, ticket, comment, message)
    delivery.save()
    return delivery


def _chat(delivery, channel, ticket, comment, message) -> None:
    conversation = ticket.primary_conversation
    delivery.channel = channel
    delivery.thread_key = f"chat:{conversation.pk}"
    delivery.recipient = conversation.external_id
    delivery.payload = {
        "type": render.EVENT,
        "id": str(delivery.idempotency_key),
        "created_at": comment.created_at.isoformat(),
        "conversation": {"external_id": conversation.external_id},
        "message": {
            "id": message.pk if message else None,
            "body_markdown": comment.body,
            "body_text": render.reply_text(comment.body),
            "sent_at": (message.sent_at if message else comment.created_at).isoformat(),
        },
        "author": {"name": comment.author_label, "kind": "agent"},
        "attachments": [a.describe() for a in attachments.for_comment(comment)],
        "ticket": {"ref": ticket.ref, "subject": ticket.subject},
    }


def _email(delivery, channel, ticket, comment, message) -> None:
    earlier = _earlier_message_ids(ticket)
    domain = channel.from_email.rpartition("@")[2] or "helpdesk.localhost"
    delivery.email_message_id = make_msgid(idstring=ticket.ref, domain=domain)
    delivery.channel = channel
    delivery.thread_key = f"email:{ticket.pk}"
    delivery.recipient = ticket.requester.email
    delivery.payload = {
        "subject": render.email_subject(
            ticket.ref, ticket.subject, is_reply=bool(earlier)
        ),
        "from": formataddr(
            (channel.from_name, channel.from_email or settings.DEFAULT_FROM_EMAIL)
        ),
        "to": formataddr((ticket.requester.name, ticket.requester.email)),
        "in_reply_to": earlier[-1] if earlier else "",
        "references": earlier[-20:],
        "body": comment.body,
        "signature": channel.signature,
    }
    if message is not None:
        # The customer's answer threads back by this id (In-Reply-To).
        Message.objects.filter(pk=message.pk).update(
            email_message_id=delivery.email_message_id
        )


def _earlier_message_ids(ticket: Ticket) -> list[str]:
    """The thread's e-mail ids so far, oldest first: the conversation's messages
    that came or went by e-mail, and this ticket's earlier e-mail replies."""
    found: list[tuple] = []
    if ticket.primary_conversation_id:
        found += Message.objects.filter(
            ~Q(email_message_id=""), conversation_id=ticket.primary_conversation_id
        ).values_list("sent_at", "email_message_id")
    found += Delivery.objects.filter(
        ~Q(email_message_id=""), ticket=ticket, message__isnull=True
    ).values_list("created_at", "email_message_id")
    ids: list[str] = []
    for _, message_id in sorted(found):
        if message_id not in ids:
            ids.append(message_id)
    return ids
