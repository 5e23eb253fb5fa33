"""What every insights provider is handed and how its answer is made safe.

`settings.HELPDESK_INSIGHTS_PROVIDER` names a callable `(context: TicketContext) ->
dict` returning the insights shape of `knowledge.insights.local.local_insights`.
`compute` calls it and falls back to the local provider when it fails, so a
provider outage never leaves the tab empty. Every text is stripped of markup (nh3)
before it is stored: templates escape it again, the API returns plain text.
"""

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import nh3
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from tickets.intake.summaries import clip
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

RECENT_DAYS = 30
MAX_TEXT = 600


@dataclass
class TicketContext:
    """One ticket's own data, loaded once: all a provider may see of it."""

    ticket: Ticket
    customer: list[str]
    ai_turns: list[str]
    tool_calls: list[dict]
    requester_recent: int
    now: datetime
    extra: dict = field(default_factory=dict)

    @property
    def customer_text(self) -> str:
        return "\n".join([self.ticket.question, *self.customer]).strip()


def load_context(ticket: Ticket, *, now: datetime | None = None) -> TicketContext:
    """The ticket's transcript, its AI turns and tool calls, and how many tickets its
    requester opened in the last 30 days (two queries)."""
    now = now or timezone.now()
    messages = (
        Message.objects.filter(conversation_id=ticket.primary_conversation_id)
        .order_by("sent_at", "id")
        .values_list("author_kind", "body", "tool_call")
        if ticket.primary_conversation_id
        else []
    )
    customer, ai_turns, tool_calls = [], [], []
    for kind, body, tool_call in messages:
        if tool_call:
            tool_calls.append(
                {
                    "name": str(tool_call.get("name", "")),
                    "status": tool_call.get("status", "ok"),
                }
            )
        elif kind == Message.AuthorKind.CONTACT:
            customer.append(body)
        elif kind == Message.AuthorKind.AI:
            ai_turns.append(body)
    if not customer and ticket.content:
        customer.append(ticket.content)
    recent = 0
    if ticket.requester_id:
        recent = Ticket.objects.filter(
            workspace_id=ticket.workspace_id,
            requester_id=ticket.requester_id,
            created_at__gte=now - timedelta(days=RECENT_DAYS),
        ).count()
    return TicketContext(ticket, customer, ai_turns, tool_calls, recent, now)


def plain(text: object, limit: int = MAX_TEXT) -> str:
    """`text` as plain text: every tag removed (script and style with their
    content), also tags that were entity-encoded, spaces collapsed, cut to `limit`.
    Templates escape it on output; the API returns it as it is."""
    value = str(text or "")
    for _ in range(3):  # "&lt;script&gt;" is a tag once decoded: strip again
        cleaned = html.unescape(
            nh3.clean(value, tags=set(), clean_content_tags={"script", "style"})
        )
        if cleaned == value:
            break
        value = cleaned
    return clip(" ".join(value.split()), limit)


LOCAL_PROVIDER = "knowledge.insights.local.local_insights"


@dataclass(frozen=True)
class Computed:
    data: dict
    provider: str
    fallback_reason: str = ""


def compute(context: TicketContext) -> Computed:
    """The configured provider's insights; the local provider's when it fails."""
    path = settings.HELPDESK_INSIGHTS_PROVIDER
    try:
        provider = import_string(path)
        return Computed(provider(context), path)
    except Exception as exc:  # noqa: BLE001 - a plug-in's failure must not blank the tab
        logger.warning(
            "Insights provider %s failed (%s); using the local one", path, exc
        )
        reason = f"{type(exc).__name__}: {exc}"[:200]
    local = import_string(LOCAL_PROVIDER)
    return Computed(local(context), LOCAL_PROVIDER, fallback_reason=reason)
