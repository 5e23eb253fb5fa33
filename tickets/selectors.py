"""Reads of tickets: scoping and the joins a list needs, so 1 row costs what 50 do."""

from django.db.models import Prefetch, QuerySet

from helpdesk.models import Membership
from helpdesk.tenancy import scoped
from tickets.models import Tag, Ticket, TicketEvent


def ticket_list(*, membership: Membership) -> QuerySet[Ticket]:
    """The member's workspace's tickets with what a list row shows, newest first."""
    return (
        scoped(Ticket.objects.all(), membership.workspace)
        .select_related("workspace", "assignee", "team", "requester", "label__parent")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-created_at", "-id")
    )


def ticket_get(*, membership: Membership, number: int) -> Ticket:
    """One ticket by number; Ticket.DoesNotExist when it is not in the workspace."""
    return ticket_list(membership=membership).get(number=number)


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("created_at", "id")
