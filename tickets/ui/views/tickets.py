"""The tickets page: status stats, toolbar, list or board, and the detail panel
opened on it. One view serves the full page and its htmx partials (`request.htmx`).
Filtering goes through `tickets.filters.TicketFilterSet` (via `TicketQuery`)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from helpdesk.lib.parsing import parse_int
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets import selectors, services, workflow
from tickets.ui import listing
from tickets.ui.forms import SavedViewForm
from tickets.ui.listing import TicketQuery
from tickets.ui.snooze import snooze_presets
from tickets.ui.views.base import member_for, ticket_for
from tickets.ui.views.panel import panel_context, render_panel

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 20
COLLAPSED_COLUMNS = (workflow.Status.CLOSED, workflow.Status.ARCHIVED)


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
    """One column per status. Columns the status filter leaves out stay as drop
    targets, empty, so the board shows exactly the tickets the list would. The
    open columns' cards come in one query; the collapsed ones (Closed, Archived)
    load their first page when opened, unless the filter shows them alone."""
    shown = set(query.statuses)
    names = workflow.status_display(query.membership.workspace)
    lazy = set(COLLAPSED_COLUMNS) if shown - set(COLLAPSED_COLUMNS) else set()
    loaded = [s.value for s in workflow.Status if s.value in shown and s not in lazy]
    cards = query.board_cards(loaded, BOARD_PAGE_SIZE)
    columns = []
    for status in workflow.Status:
        filtered_out = status.value not in shown
        column_cards = cards.get(status.value, [])
        total = 0 if filtered_out else stats.get(status.value, 0)
        columns.append(
            {
                "status": status.value,
                "label": names[status.value][0],
                "colour": names[status.value][1],
                "cards": column_cards,
                "total": total,
                "filtered_out": filtered_out,
                "collapsed": status in lazy or filtered_out,
                "more": total > len(column_cards),
                "next_page": 2 if column_cards else 1,
            }
        )
    return columns


def _stats(query: TicketQuery, stats: dict) -> list[dict]:
    """The stats bar: each status's count, linking to the list filtered by it."""
    names = workflow.status_display(query.membership.workspace)
    return [
        {
            "status": s.value,
            "label": names[s.value][0],
            "colour": names[s.value][1],
            "count": stats.get(s.value, 0),
            "url": query.url(status=[s.value]),
            "active": query.params.getlist("status") == [s.value],
        }
        for s in workflow.Status
    ]


@login_required
@require_GET
def ticket_index(request, slug: str, number: int | None = None):
    """The tickets page. htmx asks for just the results region (`#results`)."""
    membership = member_for(request, slug)
    _remember(request.session, "workspace", membership.workspace.slug)
    query = TicketQuery(request.GET, request=request, membership=membership)
    if "view" in request.GET:
        _remember(request.session, "tickets_view", query.layout)
    elif request.session.get("tickets_view") in ("list", "board"):
        query.layout = request.session["tickets_view"]

    column = request.GET.get("column")
    if query.layout == "board" and column in workflow.Status.values:
        return _board_column_page(request, membership, query, column)

    ticket = None
    if number is not None:
        ticket = ticket_for(membership, number, lean=True)
        services.ticket_mark_read(ticket=ticket, user=request.user)
    stats = query.status_counts()
    context = {
        "membership": membership,
        "query": query,
        "filter_options": query.filter_options(),
        "snooze_presets": snooze_presets(),
        "can_delete": can(membership, "ticket.delete"),
        "can_export": can(membership, "ticket.export"),
        "stats": _stats(query, stats),
        # What the list or board shows: the status filter applies (the stats bar's
        # counts do not, they are the way to another status).
        "total": selectors.Tally.total(
            n for status, n in stats.items() if status in query.statuses
        ),
        "sort_choices": TicketQuery.SORTS,
        "rows": query.rows,
    }
    if query.layout == "board":
        context["columns"] = _board_columns(query, stats)
    else:
        page = listing.CappedPaginator(
            listing.lean_rows(query.tickets()), PAGE_SIZE, total=context["total"]
        ).get_page(request.GET.get("page"))
        page.object_list = query.rows.attach(page.object_list)
        context["page"] = page
    if request.htmx and request.htmx.target == "results":
        return render(request, "tickets/partials/_results.html", context)
    context.update(listing.page_shell(request, membership))
    context["save_form"] = SavedViewForm()
    if ticket is not None:
        context["panel"] = panel_context(request, membership, ticket)
    return render(request, "tickets/index.html", context)


def _remember(session, key: str, value: str) -> None:
    """Store `value` in the session only when it changed: an unchanged session is
    not written back (three statements a page)."""
    if session.get(key) != value:
        session[key] = value


def _board_column_page(request, membership, query, status):
    """Cards of one board column: the first page when a collapsed column opens,
    the next one when the agent scrolls to its end."""
    # ASCII digits within reach of the database's OFFSET; anything else: page 1.
    page = parse_int(request.GET.get("page"), minimum=1, maximum=2**31 // 1000) or 1
    start = (page - 1) * BOARD_PAGE_SIZE
    rows = listing.lean_rows(query.tickets(ignore_status=True).filter(status=status))
    cards = query.rows.attach(rows[start : start + BOARD_PAGE_SIZE + 1])
    more = len(cards) > BOARD_PAGE_SIZE
    return render(
        request,
        "tickets/partials/_board_cards.html",
        {
            "query": query,
            "rows": query.rows,
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
def ticket_panel(request, slug: str, number: int):
    """The detail panel: a partial for htmx, else the tickets page with it open."""
    if not request.htmx:
        return ticket_index(request, slug, number=number)
    membership = member_for(request, slug)
    ticket = ticket_for(membership, number, lean=True)
    # The assignee read it: the list's bold row and the sidebar badge go.
    cleared = services.ticket_mark_read(ticket=ticket, user=request.user)
    return render_panel(request, membership, ticket, changed=cleared)
