"""Unread tickets: a customer wrote since the assignee last opened the ticket.

`ticket_mark_unread` runs in `tickets.conversations.customer_replied`, in the locked
ticket's transaction; `ticket_mark_read` when the assignee opens the ticket's panel,
which also marks their notifications about it read. Neither is a change of the ticket
(no version, no event, no history row): it is the assignee's reading state.
"""

from django.utils import timezone

from helpdesk.models import Notification
from tickets.models import Ticket


def ticket_mark_unread(*, ticket: Ticket) -> bool:
    """Flag the ticket unread for its assignee; False when it has none."""
    if ticket.assignee_id is None:
        return False
    Ticket.objects.filter(pk=ticket.pk).update(assignee_unread=True)
    ticket.assignee_unread = True
    return True


def ticket_mark_read(*, ticket: Ticket, user) -> bool:
    """Clear the flag when `user` is the assignee; True when it was set."""
    if not ticket.assignee_unread or ticket.assignee_id != user.pk:
        return False
    Ticket.objects.filter(pk=ticket.pk, assignee_id=user.pk).update(
        assignee_unread=False
    )
    Notification.objects.filter(
        recipient=user, ticket=ticket, read_at__isnull=True
    ).update(read_at=timezone.now())
    ticket.assignee_unread = False
    return True
