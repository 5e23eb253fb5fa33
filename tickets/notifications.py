"""Notices about ticket changes (assigned to you, mentioned, snooze ended, the
customer replied), listed in the notification centre and e-mailed: the
ticket-event handler registered by TicketsConfig.ready(), writing the notifications
of one change in one INSERT, in the change's transaction. SLA warnings and breaches
are sent by the SLA sweep (sla.services.sweep)."""

from helpdesk import notifications
from helpdesk.actors import Actor
from helpdesk.models import Notification
from tickets.models import Comment, Ticket, TicketEvent

Kind = TicketEvent.Kind


def on_ticket_events(events: list[TicketEvent], actor: Actor | None) -> None:
    """Queue the notifications the change's events call for."""
    rows: list[Notification] = []
    # A ticket opened already assigned with its ASSIGNED event (routing) notifies
    # its assignee once, for that event.
    routed = {e.ticket_id for e in events if e.kind == Kind.ASSIGNED}
    for event in events:
        if event.kind == Kind.CREATED and event.ticket_id in routed:
            continue
        if event.ticket is not None:
            rows += _notifications_for(event.ticket, event)
    if rows:
        Notification.objects.bulk_create(rows)


def _notifications_for(ticket: Ticket, event: TicketEvent) -> list[Notification]:
    ref = f"{ticket.ref} {ticket.subject}"
    kind = event.kind
    assigned = kind == Kind.ASSIGNED or (
        kind == Kind.CREATED and ticket.assignee_id != event.actor_id
    )
    if assigned and ticket.assignee_id:
        return notifications.build(
            recipients=[ticket.assignee],
            kind=Notification.Kind.ASSIGNED,
            ticket=ticket,
            subject=f"Assigned to you: {ref}",
            body=f"{event.actor_label} assigned {ref} to you.",
            exclude=event.actor,
        )
    if kind == Kind.COMMENTED and event.data.get("mentions"):
        comment = Comment.objects.filter(pk=event.data.get("comment_id")).first()
        if comment is not None:
            return notifications.build(
                recipients=comment.mentions.all(),
                kind=Notification.Kind.MENTIONED,
                ticket=ticket,
                subject=f"{event.actor_label} mentioned you on {ticket.ref}",
                body=f"{event.actor_label} wrote on {ref}:\n\n{comment.body}",
                exclude=event.actor,
            )
    if kind == Kind.CUSTOMER_REPLIED and ticket.assignee_id:
        return notifications.build(
            recipients=[ticket.assignee],
            kind=Notification.Kind.CUSTOMER_REPLIED,
            ticket=ticket,
            subject=f"Customer replied: {ref}",
            body=f"The customer wrote on {ref}:\n\n{event.data.get('excerpt', '')}",
            exclude=event.actor,
        )
    if kind == Kind.WOKE and ticket.assignee_id:
        return notifications.build(
            recipients=[ticket.assignee],
            kind=Notification.Kind.WOKE,
            ticket=ticket,
            subject=f"Snooze ended: {ref}",
            body=f"{ref} is back in your active tickets.",
        )
    return []
