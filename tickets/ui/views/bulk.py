"""The bulk action bar: one action on the checked tickets or on every matching one."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from helpdesk.lib.errors import DomainError, PermissionDenied
from tickets import bulk, selectors
from tickets.exports.responses import bulk_export
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
        if data["action"] == "export":
            return bulk_export(
                request,
                membership,
                filterset=query.filterset() if data["all_matching"] else None,
                refs=data["numbers"],
            )
        if data["all_matching"]:
            tickets = bulk.select_by_filters(query.filterset())
        else:
            tickets = bulk.select_by_refs(
                selectors.ticket_list(membership=membership),
                data["numbers"],
                prefix=membership.workspace.ticket_prefix,
            )
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
