"""The agent UI's reads for conversations: the inbox's URL state and page
(`ConversationQuery`, `inbox_page`) and what the conversation page shows (the
transcript with real names, tool calls, the tickets it feeds and the "Create ticket"
draft). Filtering is ConversationFilterSet's; chips and links are ListQuery's, as on
the tickets page.
"""

import json
from dataclasses import dataclass
from datetime import tzinfo

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from helpdesk.lib.parsing import as_id
from helpdesk.models import Contact
from tickets import workflow
from tickets.conversation_filters import (
    HAS_TICKET_CHOICES,
    ConversationFilterSet,
    State,
    conversation_inbox,
    state_of,
)
from tickets.conversations import tickets_fed_by
from tickets.models import Conversation, Message, Ticket
from tickets.templatetags.tickets_ui import display_name
from tickets.ui.querystate import ListQuery

CHIP_NAMES = {
    "q": "Search",
    "channel": "Channel",
    "state": "State",
    "has_ticket": "Ticket",
    "contact": "Contact",
    "started_after": "From",
    "started_before": "Until",
}
PAGE_SIZE = 50


class ConversationQuery(ListQuery):
    """The inbox's state, read from (and written back to) the query string."""

    url_name = "tickets:conversations"
    chip_names = CHIP_NAMES
    layout_params = ("cursor",)

    def make_filterset(self) -> ConversationFilterSet:
        data = self.params.copy()
        data.pop("cursor", None)
        return ConversationFilterSet(
            data,
            queryset=conversation_inbox(membership=self.membership),
            membership=self.membership,
        )

    def conversations(self) -> QuerySet[Conversation]:
        """The matching conversations, newest first; none when a filter is bad."""
        filterset = self._main_filterset()
        if not filterset.is_valid():
            return Conversation.objects.none()
        return filterset.qs

    def chip_value(self, name: str, value: str) -> str:
        if name == "state":
            return dict(State.choices).get(value, value)
        if name == "has_ticket":
            return dict(HAS_TICKET_CHOICES).get(value, value)
        if name == "contact":
            contact = self._main_filterset().form.cleaned_data.get("contact")
            if isinstance(contact, Contact):
                return contact.name or contact.email or value
        return value

    def filter_options(self) -> dict:
        return {"states": State.choices, "has_ticket": HAS_TICKET_CHOICES}


class InboxPagination(CursorPagination):
    """Cursor pages of the inbox in its index's order (workspace, newest first)."""

    page_size = PAGE_SIZE
    ordering = ("-started_at", "-id")


@dataclass
class InboxPage:
    rows: list[Conversation]
    next_url: str | None
    previous_url: str | None


def inbox_page(query: ConversationQuery, request) -> InboxPage:
    """One cursor page of the inbox. A cursor that does not decode, or whose
    position is not a time, raises ValueError (the view answers 400)."""
    paginator = InboxPagination()
    try:
        rows = paginator.paginate_queryset(query.conversations(), Request(request))
    except NotFound as exc:
        raise ValueError(str(exc.detail)) from None
    except ValidationError:  # a well-formed cursor whose position is not a time
        raise ValueError("Invalid cursor") from None
    rows = list(rows or [])
    for row in rows:
        row.state = state_of(row)
        for ticket in [*row.primary_tickets.all(), *row.associated_tickets.all()]:
            ticket.workspace = query.membership.workspace
    return InboxPage(
        rows=rows,
        next_url=paginator.get_next_link(),
        previous_url=paginator.get_previous_link(),
    )


# --- the conversation page ---


@dataclass
class Entry:
    """One transcript message as the conversation page shows it, worked out here
    once so a 2,000-message page renders plain strings."""

    message: Message
    author: str
    kind_label: str  # "AI agent", "Contact"...; empty when it is the author's name
    time: str  # in the workspace's zone
    iso: str
    tool_arguments: str = ""
    tool_result: str = ""


def _author(message: Message, contact: Contact | None) -> str:
    kind = message.author_kind
    if kind == Message.AuthorKind.CONTACT:
        fallback = (contact.name or contact.email) if contact else ""
        return message.author_name or fallback or "Customer"
    if kind == Message.AuthorKind.AGENT and message.author_user is not None:
        return display_name(message.author_user)
    if kind == Message.AuthorKind.TOOL and message.tool_call:
        return message.tool_call.get("name", "Tool call")
    return message.author_name or message.get_author_kind_display()


def _pretty(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


TRANSCRIPT_PAGE = 100  # messages a transcript page shows, newest page first


@dataclass
class TranscriptPage:
    """One page of a transcript, oldest first; `earlier` is the cursor (the id of
    its oldest message) of the page before it, None on the first page."""

    entries: list[Entry]
    earlier: int | None
    total: int


def transcript_page(
    conversation: Conversation, tz: tzinfo, before: str | None = None
) -> TranscriptPage:
    """The TRANSCRIPT_PAGE messages before message `before` (else the newest ones),
    named (the contact's own name, the agent's), times in `tz`, tool calls with
    their arguments and result as indented JSON text. Three queries whatever the
    transcript's length; a `before` that is not a message of this conversation
    raises ValueError (the view answers 400)."""
    messages = conversation.messages.select_related("author_user")
    if before is not None:
        anchor = messages.filter(pk=as_id(before) or 0).values("sent_at", "pk").first()
        if anchor is None:
            raise ValueError(f"No message {before!r} in this conversation.")
        messages = messages.filter(
            Q(sent_at__lt=anchor["sent_at"])
            | Q(sent_at=anchor["sent_at"], pk__lt=anchor["pk"])
        )
    rows = list(messages.order_by("-sent_at", "-id")[: TRANSCRIPT_PAGE + 1])
    earlier = rows[TRANSCRIPT_PAGE - 1].pk if len(rows) > TRANSCRIPT_PAGE else None
    entries = [_entry(m, conversation.contact, tz) for m in rows[:TRANSCRIPT_PAGE]]
    entries.reverse()
    return TranscriptPage(
        entries=entries, earlier=earlier, total=conversation.messages.count()
    )


def _entry(message: Message, contact: Contact | None, tz: tzinfo) -> Entry:
    author = _author(message, contact)
    label = dict(Message.AuthorKind.choices).get(message.author_kind, "")
    sent = timezone.localtime(message.sent_at, tz)
    entry = Entry(
        message=message,
        author=author,
        kind_label="" if label == author else label,
        time=f"{sent.day} {sent:%b, %H:%M:%S}",
        iso=sent.isoformat(),
    )
    if message.tool_call:
        entry.tool_arguments = _pretty(message.tool_call.get("arguments", {}))
        entry.tool_result = _pretty(message.tool_call.get("result"))
    return entry


def fed_tickets(conversation: Conversation) -> tuple[list[Ticket], list[Ticket]]:
    """The tickets the conversation feeds, and those of them still open."""
    tickets = tickets_fed_by(conversation)
    for ticket in tickets:  # every one is of the conversation's workspace
        ticket.workspace = conversation.workspace
    active = [t for t in tickets if t.status in workflow.ACTIVE_STATUSES]
    return tickets, active
