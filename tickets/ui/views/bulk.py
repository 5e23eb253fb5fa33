"""The bulk action bar: one action on the checked tickets or on every matching one."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from helpdesk.lib.errors import DomainError, PermissionDenied
from helpdesk.permissions import can
from tickets import bulk, selectors
from tickets.models import Ticket
from tickets.ui.forms import BulkForm
from tickets.ui.listing import TicketQuery
from tickets.ui.views.base import error_messages, member_for


@login_required
@require_POST
def ticket_bulk(request, slug: str):
    """Apply one bulk action to the checked tickets or to every matching ticket.

    The answer lists what was applied and what was refused (with reasons); the list
    refreshes itself. "Export CSV" answers with the file instead.
    """
    membership = member_for(request, slug)
    query = TicketQuery(
        QueryDict(request.POST.get("query", "")),
        request=request,
        membership=membership,
    )
    form = BulkForm(request.POST, membership=membership)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        data = form.cleaned_data
        if data["all_matching"]:
            tickets = bulk.select_by_filters(query.filterset())
        else:
            tickets = bulk.select_by_refs(
                selectors.ticket_list(membership=membership),
                data["numbers"],
                prefix=membership.workspace.ticket_prefix,
            )
        if data["action"] == "export":
            if not can(membership, "ticket.export"):
                raise PermissionDenied("Your role may not export tickets.")
            return export_csv(tickets, membership.workspace)
        result = bulk.ticket_bulk(
            membership=membership,
            action=data["action"],
            tickets=tickets,
            params=data["params"],
        )
    except (DomainError, ValidationError) as exc:
        return render(
            request,
            "tickets/partials/_bulk_result.html",
            {"errors": error_messages(exc)},
            status=403 if isinstance(exc, PermissionDenied) else 422,
        )
    response = render(
        request,
        "tickets/partials/_bulk_result.html",
        {"result": result, "label": BulkForm.ACTION_LABELS[data["action"]]},
    )
    trigger_client_event(response, "ticketsChanged")
    return response


EXPORT_COLUMNS = (
    ("Ref", lambda t: t.ref),
    ("Subject", lambda t: t.subject),
    ("Status", lambda t: t.get_status_display()),
    ("Priority", lambda t: t.get_priority_display()),
    ("Assignee", lambda t: t.assignee.get_username() if t.assignee else ""),
    ("Team", lambda t: t.team.name if t.team else ""),
    ("Requester", lambda t: str(t.requester or "")),
    ("Label", lambda t: t.label.path if t.label else ""),
    ("Tags", lambda t: ", ".join(tag.name for tag in t.tags.all())),
    ("Created", lambda t: t.created_at.isoformat()),
    ("Updated", lambda t: t.updated_at.isoformat()),
)


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas (a cell starting with = + - @ tab or CR)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(tickets: list[Ticket], workspace) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{workspace.slug}-tickets-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([name for name, _ in EXPORT_COLUMNS])
    for ticket in tickets:
        writer.writerow([_cell(str(get(ticket))) for _, get in EXPORT_COLUMNS])
    return response
