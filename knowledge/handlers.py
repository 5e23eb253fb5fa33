"""Queueing insights. The tickets.events handler (order 500): a new ticket or a
customer message queues the ticket's insights, computed by a worker once the change
commits, so no write waits on a provider. It writes nothing itself."""

from django.core.cache import cache
from django.db import transaction

from knowledge.tasks import refresh_insights
from tickets.models import Ticket, TicketEvent

TRIGGERS = frozenset(
    {
        TicketEvent.Kind.CREATED,
        TicketEvent.Kind.ESCALATED,
        TicketEvent.Kind.CUSTOMER_REPLIED,
        TicketEvent.Kind.CONVERSATION_ADDED,
    }
)
# Tickets per task: a bulk import of thousands queues a few tasks, not thousands.
BATCH = 100
QUEUED_SECONDS = 60


def on_ticket_events(events: list[TicketEvent], actor) -> None:
    ids = sorted({e.ticket_id for e in events if e.kind in TRIGGERS and e.ticket_id})
    if ids:
        # robust: a broker that is down is logged, not raised; the tab queues the
        # ticket again when it is opened.
        transaction.on_commit(lambda: queue(ids), robust=True)


def queue(ticket_ids: list[int]) -> None:
    for start in range(0, len(ticket_ids), BATCH):
        refresh_insights.delay(ticket_ids[start : start + BATCH])


def insight_queue(*, ticket: Ticket, force: bool = False) -> bool:
    """Queue the ticket's insights once a minute at most per version (the tab asks
    on every look); `force` (Regenerate) always queues. True when queued."""
    key = f"knowledge:queued:{ticket.pk}:{ticket.version}"
    if not cache.add(key, 1, QUEUED_SECONDS) and not force:
        return False
    transaction.on_commit(lambda: queue([ticket.pk]), robust=True)
    return True
