"""Macros in the agent app: the management page (list, create, edit, delete) and
the composer's endpoint that renders a macro for a ticket."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from helpdesk.lib.errors import DomainError
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets import selectors, services
from tickets.macros import PLACEHOLDERS
from tickets.models import Macro
from tickets.ui import listing
from tickets.ui.forms import MacroForm
from tickets.ui.views.base import error_messages, member_for, ticket_for


def _macro(membership: Membership, pk: int) -> Macro:
    macro = selectors.macros_for(membership=membership).filter(pk=pk).first()
    if macro is None:
        raise Http404("No such macro.")
    return macro


def _page(request, membership, form, *, macro=None, status=200, errors=()):
    return render(
        request,
        "tickets/macros/index.html",
        {
            **listing.page_shell(request, membership),
            "macros": selectors.macros_for(membership=membership),
            "form": form,
            "editing": macro,
            "errors": list(errors),
            "may_share": can(membership, "macros.manage"),
            "placeholders": [(name, doc) for name, (doc, _) in PLACEHOLDERS.items()],
            "members": Membership.objects.filter(workspace=membership.workspace)
            .select_related("user")
            .order_by("user__username"),
        },
        status=status,
    )


def _save(request, membership, macro: Macro | None):
    form = MacroForm(request.POST, membership=membership)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return _page(request, membership, form, macro=macro, status=422, errors=errors)
    data = dict(form.cleaned_data)
    personal = data.pop("scope") != "workspace"
    try:
        if macro is None:
            services.macro_create(actor=membership, personal=personal, **data)
        else:
            services.macro_update(macro=macro, actor=membership, **data)
    except (DomainError, ValidationError) as exc:
        return _page(
            request,
            membership,
            form,
            macro=macro,
            status=422,
            errors=error_messages(exc),
        )
    return redirect("tickets:macros", membership.workspace.slug)


@login_required
def macro_index(request, slug: str):
    """Every macro the member sees; POST makes one (workspace ones: managers)."""
    membership = member_for(request, slug)
    if request.method == "POST":
        return _save(request, membership, None)
    return _page(request, membership, MacroForm(membership=membership))


@login_required
def macro_edit(request, slug: str, pk: int):
    membership = member_for(request, slug)
    macro = _macro(membership, pk)
    if not services.macro_may_change(macro, membership):
        raise Http404("No such macro.")
    if request.method == "POST":
        return _save(request, membership, macro)
    initial = {
        "name": macro.name,
        "body": macro.body,
        "scope": "personal" if macro.is_personal else "workspace",
        "set_status": macro.set_status,
        "set_priority": macro.set_priority or "",
        "set_assignee": macro.set_assignee_id or "",
        "add_tags": ", ".join(macro.add_tags),
    }
    form = MacroForm(initial=initial, membership=membership)
    return _page(request, membership, form, macro=macro)


@login_required
@require_POST
def macro_delete(request, slug: str, pk: int):
    membership = member_for(request, slug)
    macro = _macro(membership, pk)
    if not services.macro_may_change(macro, membership):
        raise Http404("No such macro.")
    services.macro_delete(macro=macro, actor=membership)
    return redirect("tickets:macros", slug)


@login_required
@require_GET
def macro_for_ticket(request, slug: str, number: int):
    """The composer's preview of macro `pick` for this ticket: its rendered text
    (inserted into the reply box by static/helpdesk/composer.js) and what applying
    it also changes."""
    membership = member_for(request, slug)
    ticket = ticket_for(membership, number)
    raw = request.GET.get("pick", "")
    if not raw:
        return render(request, "tickets/partials/panel/_macro_preview.html", {})
    if not raw.isdigit() or len(raw) > 9:
        raise Http404("No such macro.")
    macro = _macro(membership, int(raw))
    return render(
        request,
        "tickets/partials/panel/_macro_preview.html",
        {
            "macro": macro,
            "ticket": ticket,
            "text": services.macro_render(
                macro=macro, ticket=ticket, agent=request.user
            ),
        },
    )
