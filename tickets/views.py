"""Agent pages: the tickets page (list and board), the detail panel and its controls.

One view serves a full page and its htmx partial (`request.htmx`); every POST calls a
service and answers with the updated partial. Reads go through `tickets.selectors`,
filtering through `tickets.filters.TicketFilterSet`, bulk work through `tickets.bulk`.
"""

import csv
import json
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from helpdesk.lib.errors import DomainError, PermissionDenied, StaleVersion
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from tickets import bulk, conversations, listing, selectors, services, workflow
from tickets.forms import (
    BulkForm,
    CommentForm,
    FieldForm,
    SavedViewForm,
    SnoozeForm,
    StatusForm,
    TagsForm,
)
from tickets.listing import TicketQuery
from tickets.models import Ticket

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 20
PANEL_TABS = [
    ("details", "Details"),
    ("conversation", "Conversation"),
    ("comments", "Comments"),
    ("activity", "Activity"),
    ("history", "History"),
]
COLLAPSED_COLUMNS = (workflow.Status.CLOSED, workflow.Status.ARCHIVED)


# --- helpers ---


def _member(request, slug: str) -> Membership:
    if not can_view(membership := membership_for_slug(request.user, slug)):
        raise Http404("No such workspace.")
    return membership


def can_view(membership: Membership) -> bool:
    return can(membership, "ticket.view")


def _ticket(membership: Membership, number: int) -> Ticket:
    try:
        return selectors.ticket_get(membership=membership, number=number)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def _errors(exc: Exception) -> list[str]:
    """The messages of a domain or validation error, for showing to the agent."""
    if isinstance(exc, DomainError):
        return [exc.message]
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return [m for msgs in exc.message_dict.values() for m in msgs]
        return list(exc.messages)
    return [str(exc)]


def _panel_context(request, membership: Membership, ticket: Ticket, **extra) -> dict:
    detail = listing.ticket_detail(ticket=ticket)
    members = list(
        Membership.objects.filter(workspace=membership.workspace)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "membership": membership,
        "ticket": ticket,
        "detail": detail,
        "statuses": workflow.Status,
        "allowed_statuses": [
            (s, workflow.label(s)) for s in ticket.allowed_next_statuses
        ],
        "priorities": Ticket.Priority.choices,
        "members": members,
        "mention_names": json.dumps([m.user.username for m in members]),
        "teams": membership.workspace.teams.order_by("name"),
        "labels": listing.label_choices(membership.workspace),
        "snooze_presets": _snooze_presets(membership),
        "tabs": PANEL_TABS,
        "tab": request.GET.get("tab") or extra.pop("tab", "details"),
        "errors": extra.pop("errors", []),
        "notice": extra.pop("notice", ""),
        **extra,
    }


def _snooze_presets(membership: Membership) -> list[tuple[str, str]]:
    now = timezone.now().astimezone(membership.workspace.tz)
    tomorrow = (now + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    monday = (now + timedelta(days=7 - now.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return [
        ((now + timedelta(hours=1)).isoformat(), "In 1 hour"),
        ((now + timedelta(hours=4)).isoformat(), "In 4 hours"),
        (tomorrow.isoformat(), "Tomorrow 9:00"),
        (monday.isoformat(), "Next Monday 9:00"),
    ]


def _panel(request, membership, ticket, *, status=200, changed=False, **extra):
    """The detail panel partial; `changed` tells the list and board to refresh."""
    response = render(
        request,
        "tickets/partials/_panel.html",
        _panel_context(request, membership, ticket, **extra),
        status=status,
    )
    if changed:
        trigger_client_event(response, "ticketsChanged")
    return response


# --- pages ---


@login_required
def home(request):
    """The first workspace's tickets, or the last one the agent used."""
    memberships = Membership.objects.filter(user=request.user).select_related(
        "workspace"
    )
    slug = request.session.get("workspace")
    chosen = next((m for m in memberships if m.workspace.slug == slug), None)
    chosen = chosen or memberships.order_by("workspace__name").first()
    if chosen is None:
        return render(request, "tickets/no_workspace.html")
    return redirect("tickets:index", slug=chosen.workspace.slug)


def _board_columns(query: TicketQuery, stats: dict) -> list[dict]:
    columns = []
    for status in workflow.Status:
        cards = list(
            query.tickets(ignore_status=True).filter(status=status)[:BOARD_PAGE_SIZE]
        )
        total = stats.get(status.value, 0)
        columns.append(
            {
                "status": status.value,
                "label": status.label,
                "colour": workflow.STATUS_COLOURS[status],
                "cards": cards,
                "total": total,
                "collapsed": status in COLLAPSED_COLUMNS,
                "more": total > len(cards),
                "next_page": 2,
            }
        )
    return columns


@login_required
@require_GET
def ticket_index(request, slug: str, number: int | None = None):
    """The tickets page. htmx asks for just the results region (`#results`)."""
    membership = _member(request, slug)
    request.session["workspace"] = membership.workspace.slug
    query = TicketQuery(request.GET, request=request, membership=membership)
    if "view" in request.GET:
        request.session["tickets_view"] = query.layout
    elif request.session.get("tickets_view") in ("list", "board"):
        query.layout = request.session["tickets_view"]

    column = request.GET.get("column")
    if query.layout == "board" and column in workflow.Status.values:
        return _board_column_page(request, membership, query, column)

    stats = query.status_counts()
    context = {
        "membership": membership,
        "query": query,
        "filter_options": query.filter_options(),
        "snooze_presets": _snooze_presets(membership),
        "can_delete": can(membership, "ticket.delete"),
        "can_export": can(membership, "ticket.export"),
        "stats": [
            {
                "status": s.value,
                "label": s.label,
                "colour": workflow.STATUS_COLOURS[s],
                "count": stats.get(s.value, 0),
                "url": query.url(status=[s.value]),
                "active": query.params.getlist("status") == [s.value],
            }
            for s in workflow.Status
        ],
        "total": selectors.Tally.total(stats.values()),
        "sort_choices": TicketQuery.SORTS,
    }
    if query.layout == "board":
        context["columns"] = _board_columns(query, stats)
    else:
        context["page"] = listing.CappedPaginator(query.tickets(), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    if request.htmx and request.htmx.target == "results":
        return render(request, "tickets/partials/_results.html", context)
    context.update(listing.page_shell(request, membership))
    context["save_form"] = SavedViewForm()
    if number is not None:
        ticket = _ticket(membership, number)
        context["panel"] = _panel_context(request, membership, ticket)
    return render(request, "tickets/index.html", context)


def _board_column_page(request, membership, query, status):
    """More cards for one board column, loaded when the agent scrolls to its end."""
    try:
        page = max(int(request.GET.get("page", "2")), 2)
    except ValueError:
        page = 2
    start = (page - 1) * BOARD_PAGE_SIZE
    rows = query.tickets(ignore_status=True).filter(status=status)
    cards = list(rows[start : start + BOARD_PAGE_SIZE + 1])
    more = len(cards) > BOARD_PAGE_SIZE
    return render(
        request,
        "tickets/partials/_board_cards.html",
        {
            "query": query,
            "column": {
                "status": status,
                "cards": cards[:BOARD_PAGE_SIZE],
                "more": more,
                "next_page": page + 1,
            },
        },
    )


@login_required
@require_GET
def ticket_detail(request, slug: str, number: int):
    """The detail panel: a partial for htmx, else the tickets page with it open."""
    if not request.htmx:
        return ticket_index(request, slug, number=number)
    membership = _member(request, slug)
    return _panel(request, membership, _ticket(membership, number))


# --- detail panel controls ---


def _edit(request, slug, number, form_class, apply):
    """Validate `form_class`, call `apply(ticket, data, actor)`, answer with the panel.

    A stale version or a refused change re-renders the panel with the reason, showing
    the ticket as it is now, so nothing is silently overwritten.
    """
    membership = _member(request, slug)
    if not can(membership, "ticket.edit"):
        raise Http404("No such workspace.")
    ticket = _ticket(membership, number)
    form = form_class(request.POST, membership=membership)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return _panel(request, membership, ticket, status=422, errors=errors)
    try:
        apply(ticket, form.cleaned_data, request.user)
    except StaleVersion as exc:
        fresh = _ticket(membership, number)
        return _panel(
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
        return _panel(request, membership, ticket, status=422, errors=_errors(exc))
    fresh = _ticket(membership, number)
    return _panel(
        request,
        membership,
        fresh,
        changed=True,
        notice=form.notice,
        tab=request.POST.get("tab", "details"),
    )


@login_required
@require_POST
def ticket_status(request, slug: str, number: int):
    return _edit(
        request,
        slug,
        number,
        StatusForm,
        lambda t, d, actor: services.ticket_change_status(
            ticket=t,
            to=d["status"],
            actor=actor,
            comment=d["comment"],
            expected_version=d["version"],
        ),
    )


@login_required
@require_POST
def ticket_field(request, slug: str, number: int):
    """One of priority, assignee, team, label, subject, description, topic, intent."""
    return _edit(
        request,
        slug,
        number,
        FieldForm,
        lambda t, d, actor: services.ticket_update(
            ticket=t,
            actor=actor,
            changes=d["changes"],
            expected_version=d["version"],
        ),
    )


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
        lambda t, d, actor: services.comment_add(
            ticket=t, actor=actor, body=d["body"], is_public=d["is_public"]
        ),
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
    membership = _member(request, slug)
    if not can(membership, "ticket.edit"):
        raise Http404("No such workspace.")
    ticket = _ticket(membership, number)
    to = request.POST.get("status", "")
    try:
        ticket = services.ticket_change_status(ticket=ticket, to=to, actor=request.user)
    except (DomainError, ValidationError) as exc:
        return HttpResponse(
            " ".join(_errors(exc)), status=409, content_type="text/plain"
        )
    response = render(
        request,
        "tickets/partials/_card.html",
        {"ticket": _ticket(membership, number), "query": None},
    )
    trigger_client_event(response, "ticketsChanged")
    return response


@login_required
@require_POST
def ticket_from_conversation(request, slug: str, conversation_id: int):
    """ "Create ticket" on a conversation: a new ticket linked to it, opened at once."""
    membership = _member(request, slug)
    if not can(membership, "ticket.create"):
        raise Http404("No such workspace.")
    conversation = listing.conversation_get(membership=membership, pk=conversation_id)
    subject = (request.POST.get("subject") or "").strip()
    ticket = conversations.ticket_create_from_conversation(
        conversation=conversation,
        actor=request.user,
        subject=subject[: Ticket.SUBJECT_MAX_LENGTH],
    )
    url = reverse("tickets:detail", args=[slug, ticket.number])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- saved views ---


@login_required
@require_POST
def saved_view_create(request, slug: str):
    """Save the page's current filters under a name; answers by opening the view."""
    membership = _member(request, slug)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            " ".join(e for errs in form.errors.values() for e in errs),
            status=422,
            content_type="text/plain",
        )
    query = TicketQuery(
        QueryDict(form.cleaned_data["query"].lstrip("?")),
        request=request,
        membership=membership,
    )
    if query.errors:  # e.g. a team or member id of another workspace
        return HttpResponse(
            " ".join(query.errors), status=422, content_type="text/plain"
        )
    data, names = form.cleaned_data, services.saved_view_filter_names()
    view = services.saved_view_create(
        actor=membership,
        name=data["name"],
        filters={k: v for k, v in query.as_filters().items() if k in names},
        is_shared=data["is_shared"] and can(membership, "views.share"),
        is_pinned=data["is_pinned"],
        replace=True,
    )
    url = TicketQuery.from_saved(view, request=request, membership=membership).url()
    url += ("&" if "?" in url else "?") + f"saved={view.pk}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def saved_view_delete(request, slug: str, pk: int):
    membership = _member(request, slug)
    view = listing.saved_views(membership=membership).filter(pk=pk).first()
    if view is None or not services.saved_view_may_change(view, membership):
        raise Http404("No such view.")
    services.saved_view_delete(view=view, actor=membership)
    url = reverse("tickets:index", args=[slug])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- bulk ---


@login_required
@require_POST
def ticket_bulk(request, slug: str):
    """Apply one bulk action to the checked tickets or to every matching ticket.

    The answer lists what was applied and what was refused (with reasons); the list
    refreshes itself. "Export CSV" answers with the file instead.
    """
    membership = _member(request, slug)
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
            {"errors": _errors(exc)},
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
