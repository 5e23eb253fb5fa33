"""What every agent page needs: the member of the URL's workspace, a ticket of it,
and a refused change's messages for showing to the agent."""

from django.core.exceptions import ValidationError
from django.http import Http404

from helpdesk.lib.errors import DomainError
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from tickets import selectors
from tickets.models import Ticket
from tickets.ui import listing


def member_for(request, slug: str) -> Membership:
    """The request's membership of workspace `slug`; 404 unless it may view tickets."""
    membership = membership_for_slug(request.user, slug)
    if not can(membership, "ticket.view"):
        raise Http404("No such workspace.")
    return membership


def ticket_for(membership: Membership, number: int, *, lean: bool = False) -> Ticket:
    """Ticket `number` of the member's workspace, loaded as a list row; else 404.
    `lean`: joined to its requester and team only, for a page that attaches the
    workspace, people and label it loaded anyway (listing.RowData.attach)."""
    tickets = selectors.ticket_list(membership=membership)
    if lean:
        tickets = listing.lean_rows(tickets, "team")
    try:
        return tickets.get(number=number)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def error_messages(exc: Exception) -> list[str]:
    """The messages of a domain or validation error, for showing to the agent."""
    if isinstance(exc, DomainError):
        return [exc.message]
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return [m for msgs in exc.message_dict.values() for m in msgs]
        return list(exc.messages)
    return [str(exc)]
