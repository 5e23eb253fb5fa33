"""The detail panel on the right of the tickets page, and its controls.

Every POST validates a form, calls a service and answers with the updated panel; a
refused or stale change re-renders the panel with the reason. Reads go through
`tickets.selectors` and `tickets.ui.listing`.
"""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from helpdesk.lib.errors import DomainError, StaleVersion
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets import panel_tabs, services, workflow
from tickets.models import Ticket
from tickets.ui import listing
from tickets.ui.forms import (
    CommentForm,
    FieldForm,
    PreviewForm,
    SnoozeForm,
    StatusForm,
    TagsForm,
)
from tickets.ui.snooze import snooze_presets
from tickets.ui.thread import ticket_thread
from tickets.ui.views.base import error_messages, member_for, ticket_for

# The Conversation tab holds the whole thread (transcripts, replies and notes) with
# the composer under it; there is no separate Comments tab.
PANEL_TABS = [
    ("details", "Details"),
    ("conversation", "Conversation"),
    ("activity", "Activity"),
    ("history", "History"),
    ("audit", "Audit"),
]


def _tabs() -> list[tuple[str, str]]:
    """The panel's own tabs, then those other apps registered (panel_tabs)."""
    return PANEL_TABS + [(t.key, t.label) for t in panel_tabs.registered()]


def _tab(request, detail: dict, default: str | None) -> str:
    """The tab asked for, else the Conversation tab when the ticket has a
    conversation, else Details."""
    asked = request.GET.get("tab") or default
    if asked in dict(_tabs()):
        return asked
    linked = detail["primary"] is not None or detail["associated"]
    return "conversation" if linked else "details"


def panel_context(request, membership: Membership, ticket: Ticket, **extra) -> dict:
    """The template context of the panel partial for `ticket`."""
    rows = listing.RowData.load(membership.workspace)
    members = rows.members
    rows.attach([ticket])
    detail = listing.ticket_panel_tabs(ticket=ticket)
    return {
        "membership": membership,
        "ticket": ticket,
        "detail": detail,
        "thread": ticket_thread(ticket, detail),
        "statuses": workflow.Status,
        "allowed_statuses": [
            (s, workflow.status_display(membership.workspace)[s][0])
            for s in ticket.allowed_next_statuses
        ],
        "priorities": Ticket.Priority.choices,
        "members": members,
        "mention_names": json.dumps([m.user.username for m in members]),
        "teams": membership.workspace.teams.order_by("name"),
        "labels": rows.labels,
        "snooze_presets": snooze_presets(),
        "tabs": _tabs(),
        "can_delete": can(membership, "ticket.delete"),
        "tab": _tab(request, detail, extra.pop("tab", None)),
        "errors": extra.pop("errors", []),
        "notice": extra.pop("notice", ""),
        **extra,
    }


def render_panel(request, membership, ticket, *, status=200, changed=False, **extra):
    """The detail panel partial; `changed` tells the list and board to refresh."""
    response = render(
        request,
        "tickets/partials/_panel.html",
        panel_context(request, membership, ticket, **extra),
        status=status,
    )
    if changed:
        trigger_client_event(response, "ticketsChanged")
    return response


@login_required
@require_GET
def ticket_thread_earlier(request, slug: str, number: int):
    """The thread's page before entry `before` (its "Load earlier"); 400 naming
    `before` when it is not an entry of this ticket's thread."""
    membership = member_for(request, slug)
    ticket = ticket_for(membership, number)
    detail = listing.ticket_panel_tabs(ticket=ticket)
    try:
        thread = ticket_thread(ticket, detail, request.GET.get("before", ""))
    except ValueError as exc:
        return HttpResponseBadRequest(f"before: {exc}", content_type="text/plain")
    context = {"membership": membership, "ticket": ticket, "detail": detail}
    return render(
        request,
        "tickets/partials/panel/_thread_items.html",
        {**context, "thread": thread},
    )


# --- detail panel controls ---


def apply_status(ticket, data, actor):
    return services.ticket_change_status(
        ticket=ticket,
        to=data["status"],
        actor=actor,
        comment=data["comment"],
        expected_version=data["version"],
    )


def apply_field(ticket, data, actor):
    return services.ticket_update(
        ticket=ticket,
        actor=actor,
        changes=data["changes"],
        expected_version=data["version"],
    )


def _edit(request, slug, number, form_class, apply):
    """Validate `form_class`, call `apply(ticket, data, actor)`, answer with the panel.

    A stale version or a refused change re-renders the panel with the reason, showing
    the ticket as it is now, so nothing is silently overwritten.
    """
    membership = member_for(request, slug)
    if not can(membership, "ticket.edit"):
        raise Http404("No such workspace.")
    ticket = ticket_for(membership, number)
    form = form_class(request.POST, request.FILES, membership=membership)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return render_panel(request, membership, ticket, status=422, errors=errors)
    try:
        apply(ticket, form.cleaned_data, request.user)
    except StaleVersion as exc:
        fresh = ticket_for(membership, number)
        return render_panel(
            request,
            membership,
            fresh,
            status=409,
            errors=[exc.message],
            stale=True,
            changed=True,
            draft=request.POST.get("value", "")
            if request.POST.get("field") in ("content", "subject")
            else "",
        )
    except (DomainError, ValidationError) as exc:
        return render_panel(
            request, membership, ticket, status=422, errors=error_messages(exc)
        )
    fresh = ticket_for(membership, number)
    return render_panel(
        request,
        membership,
        fresh,
        changed=True,
        notice=form.notice,
        tab=request.POST.get("tab"),
    )


@login_required
@require_POST
def ticket_status(request, slug: str, number: int):
    return _edit(request, slug, number, StatusForm, apply_status)


@login_required
@require_POST
def ticket_field(request, slug: str, number: int):
    """One of priority, assignee, team, label, subject, description, topic, intent."""
    return _edit(request, slug, number, FieldForm, apply_field)


@login_required
@require_POST
def ticket_tags(request, slug: str, number: int):
    return _edit(
        request,
        slug,
        number,
        TagsForm,
        lambda t, d, actor: services.ticket_update(
            ticket=t,
            actor=actor,
            changes={},
            add_tags=d["add"],
            remove_tags=d["remove"],
        ),
    )


@login_required
@require_POST
def ticket_comment(request, slug: str, number: int):
    return _edit(
        request,
        slug,
        number,
        CommentForm,
        _comment,
    )


def _comment(ticket, data, actor):
    """A reply or note with its files; with a macro, its field changes too."""
    post = {
        "ticket": ticket,
        "actor": actor,
        "body": data["body"],
        "is_public": data["is_public"],
        "attachments": data["attachments"],
        "route": data["route"],
    }
    if data["macro"]:
        return services.macro_apply(macro=data["macro"], **post)
    return services.comment_add(**post)


@login_required
@require_POST
def ticket_preview(request, slug: str, number: int):
    """The composer's Markdown preview, rendered by the same filter as the thread."""
    membership = member_for(request, slug)
    ticket = ticket_for(membership, number)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return render(
            request,
            "tickets/partials/panel/_preview.html",
            {"errors": errors},
            status=422,
        )
    return render(
        request,
        "tickets/partials/panel/_preview.html",
        {"ticket": ticket, "body": form.cleaned_data["body"]},
    )


def _snooze(ticket, data, actor):
    if data["until"] is None:
        return services.ticket_unsnooze(ticket=ticket, actor=actor)
    return services.ticket_snooze(ticket=ticket, until=data["until"], actor=actor)


@login_required
@require_POST
def ticket_snooze(request, slug: str, number: int):
    return _edit(request, slug, number, SnoozeForm, _snooze)


@login_required
@require_POST
def ticket_move(request, slug: str, number: int):
    """A board card dropped on a column: the transition, or 409 with the reason."""
    membership = member_for(request, slug)
    if not can(membership, "ticket.edit"):
        raise Http404("No such workspace.")
    ticket = ticket_for(membership, number)
    to = request.POST.get("status", "")
    try:
        ticket = services.ticket_change_status(ticket=ticket, to=to, actor=request.user)
    except (DomainError, ValidationError) as exc:
        return HttpResponse(
            " ".join(error_messages(exc)), status=409, content_type="text/plain"
        )
    response = render(
        request,
        "tickets/partials/_card.html",
        {
            "ticket": ticket_for(membership, number),
            "query": None,
            "rows": listing.RowData.load(membership.workspace),
        },
    )
    trigger_client_event(response, "ticketsChanged")
    return response


@login_required
@require_POST
def ticket_delete(request, slug: str, number: int):
    """Delete from the panel (managers and admins; the page asked to confirm)."""
    membership = member_for(request, slug)
    ticket = ticket_for(membership, number)
    if not can(membership, "ticket.delete"):
        raise Http404("No such ticket.")
    services.ticket_delete(ticket=ticket, actor=request.user)
    url = reverse("tickets:index", args=[slug])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
