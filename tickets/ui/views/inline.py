"""Inline edits from a list row or a board card: status, priority or assignee, with
the panel's forms and services (workflow checks and the version included). Success
answers 204 and the list refreshes itself; a refusal names its reason in a toast."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from helpdesk.lib.errors import DomainError, StaleVersion
from helpdesk.permissions import can
from tickets.ui.forms import FieldForm, StatusForm
from tickets.ui.views.base import error_messages, member_for, ticket_for
from tickets.ui.views.panel import apply_field, apply_status

INLINE = {
    "status": (StatusForm, apply_status),
    "priority": (FieldForm, apply_field),
    "assignee": (FieldForm, apply_field),
}


@login_required
@require_POST
def ticket_inline(request, slug: str, number: int):
    membership = member_for(request, slug)
    if not can(membership, "ticket.edit"):
        raise Http404("No such workspace.")
    ticket = ticket_for(membership, number)
    field = request.POST.get("field", "")
    if field not in INLINE:
        return _refused(f"field: choose one of {', '.join(INLINE)}.", 400)
    form_class, apply = INLINE[field]
    form = form_class(request.POST, membership=membership)
    if not form.is_valid():
        errors = [f"{name}: {e}" for name, errs in form.errors.items() for e in errs]
        return _refused(" ".join(errors), 422)
    try:
        apply(ticket, form.cleaned_data, request.user)
    except StaleVersion as exc:
        return _refused(exc.message, 409)
    except (DomainError, ValidationError) as exc:
        return _refused(" ".join(error_messages(exc)), 422)
    return trigger_client_event(HttpResponse(status=204), "ticketsChanged")


def _refused(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain")
    return trigger_client_event(response, "inlineRefused", {"message": message})
