"""The "New ticket" page an agent files a ticket on, and its requester
autocomplete. The form checks every id against the workspace; the ticket is made by
`tickets.services.ticket_create` (a new requester by `helpdesk.services.
contact_upsert`), both in one transaction so a refused ticket leaves no contact."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.lib.errors import DomainError
from helpdesk.models import Contact, Membership
from helpdesk.permissions import can
from helpdesk.services import contact_upsert
from helpdesk.tenancy import scoped
from tickets import services
from tickets.models import Ticket
from tickets.ui import listing
from tickets.ui.ticket_forms import NewTicketForm
from tickets.ui.views.base import error_messages, member_for

SUGGESTIONS = 8


def _create(membership: Membership, data: dict, actor) -> Ticket:
    with transaction.atomic():
        requester = data["requester"]
        if requester is None and data["requester_email"]:
            requester = contact_upsert(
                workspace=membership.workspace,
                email=data["requester_email"],
                name=data["requester_name"],
            )
        return services.ticket_create(
            workspace=membership.workspace,
            actor=actor,
            subject=data["subject"],
            content=data["description"],
            priority=data["priority"],
            requester=requester,
            team=data["team"],
            assignee=data["assignee"],
            tags=data["tags"],
        )


@login_required
@require_http_methods(["GET", "POST"])
def new_ticket(request, slug: str):
    """The form; a valid POST opens the new ticket's panel, a bad one answers 422
    with the form's errors."""
    membership = member_for(request, slug)
    if not can(membership, "ticket.create"):
        raise Http404("No such workspace.")
    status = 200
    if request.method == "POST":
        form = NewTicketForm(request.POST, membership=membership)
        if form.is_valid():
            try:
                ticket = _create(membership, form.cleaned_data, request.user)
            except (DomainError, ValidationError) as exc:
                form.add_error(None, error_messages(exc))
            else:
                return redirect(reverse("tickets:detail", args=[slug, ticket.number]))
        status = 422
    else:
        form = NewTicketForm(
            initial={"priority": Ticket.Priority.MEDIUM}, membership=membership
        )
    context = {
        "form": form,
        "priorities": Ticket.Priority.choices,
        "teams": membership.workspace.teams.order_by("name"),
        "members": Membership.objects.filter(workspace=membership.workspace)
        .select_related("user")
        .order_by("user__username"),
        "picked": form.cleaned_data.get("requester") if form.is_bound else None,
        **listing.page_shell(request, membership),
    }
    return render(request, "tickets/new_ticket.html", context, status=status)


@login_required
@require_GET
def contact_search(request, slug: str):
    """Up to eight of the workspace's contacts whose name or e-mail contains `q`
    (htmx partial for the requester field)."""
    membership = member_for(request, slug)
    # NUL cannot reach PostgreSQL text; it never matches a name anyway.
    words = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:100]
    contacts = Contact.objects.none()
    if len(words) >= 2:
        contacts = scoped(Contact.objects.all(), membership.workspace).filter(
            Q(name__icontains=words) | Q(email__icontains=words)
        )[:SUGGESTIONS]
    return render(
        request,
        "tickets/partials/_contact_suggestions.html",
        {"contacts": contacts, "words": words},
    )
