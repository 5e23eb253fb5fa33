"""Writing the timeline: one TicketEvent per change, in the change's transaction."""

from helpdesk.actors import Actor, actor_label, actor_user
from integrations import outbox
from sla import services as sla_services
from tickets.models import Ticket, TicketEvent


def record(ticket: Ticket, kind: str, actor: Actor | None, **data) -> TicketEvent:
    return record_many([(ticket, kind, data)], actor)[0]


def record_many(
    changes: list[tuple[Ticket, str, dict]], actor: Actor | None
) -> list[TicketEvent]:
    """One event per (ticket, kind, data), written in one INSERT, then each through
    the SLA and sync hooks, all in the caller's transaction."""
    created = TicketEvent.objects.bulk_create(
        TicketEvent(
            workspace_id=ticket.workspace_id,
            ticket=ticket,
            ticket_number=ticket.number,
            kind=kind,
            actor=actor_user(actor),
            actor_label=actor_label(actor),
            data=data,
        )
        for ticket, kind, data in changes
    )
    sla_services.on_ticket_events(created)  # SLA clocks and notifications, same tx
    outbox.on_ticket_events(created, actor)
    return created
