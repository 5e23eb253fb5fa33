"""The agent UI's reads: the tickets page's URL state (TicketQuery) and the lookups the
detail panel needs. Filtering itself is TicketFilterSet's; this module only turns the
query string into chips, links and querysets, so a page can be bookmarked and shared.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from helpdesk.lib.parsing import parse_int
from helpdesk.models import Membership, Notification, Workspace
from helpdesk.permissions import can
from helpdesk.tenancy import scoped
from integrations.filters import SYNC_STATUS_CHOICES
from messaging.filters import REPLY_CHOICES
from sla.selectors import SlaFilter
from tickets import selectors, workflow
from tickets.filters import TicketFilterSet
from tickets.models import (
    Conversation,
    Label,
    SavedView,
    Tag,
    Ticket,
)
from tickets.templatetags.tickets_ui import display_name
from tickets.ui.querystate import ListQuery

# Parameters that are state of the page, not filters.
LAYOUT_PARAMS = ("view", "page", "column")
# Filter parameters the UI shows as chips, in chip order, with their chip names.
CHIP_NAMES = {
    "q": "Search",
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee",
    "team": "Team",
    "label": "Label",
    "tags": "Tag",
    "source": "Source",
    "topic": "Topic",
    "intent": "Intent",
    "channel": "Channel",
    "created_after": "Created from",
    "created_before": "Created until",
    "snoozed": "Snoozed",
    "sla": "SLA",
    "sync_status": "Sync",
    "reply": "Reply",
    "unread": "Unread",
}
DEFAULT_SNOOZED = "active"
# Without a status filter the page is the working queue: active tickets only, so the
# sidebar's counts (active tickets) equal the lists they open. Done tickets have
# their own queue.
ACTIVE = [s.value for s in workflow.Status if s in workflow.ACTIVE_STATUSES]
DONE = [s.value for s in workflow.Status if s not in workflow.ACTIVE_STATUSES]
DONE_QUEUE = ",".join(DONE)
# The History tab shows the latest entries; the admin and the API show them all.
HISTORY_LIMIT = 50


class TicketQuery(ListQuery):
    """The tickets page's state, read from (and written back to) the query string."""

    url_name = "tickets:index"
    chip_names = CHIP_NAMES
    layout_params = LAYOUT_PARAMS
    SORTS = [
        ("-created", "Newest"),
        ("created", "Oldest"),
        ("-updated", "Recently updated"),
        ("-priority", "Priority: high first"),
        ("priority", "Priority: low first"),
        ("-number", "Number"),
        ("next_breach", "Next SLA breach"),
    ]

    def __init__(self, params: QueryDict, *, request, membership: Membership):
        super().__init__(params, request=request, membership=membership)
        self.layout = "board" if params.get("view") == "board" else "list"
        self._names = _ChipNames(membership.workspace)

    @classmethod
    def from_saved(cls, view: SavedView, *, request, membership: Membership):
        params = QueryDict(mutable=True)
        for name, value in (view.filters or {}).items():
            for item in value if isinstance(value, list) else [value]:
                params.appendlist(name, str(item))
        return cls(params, request=request, membership=membership)

    # --- filtering ---

    def _filter_data(self, *, ignore_status: bool = False) -> QueryDict:
        data = self.params.copy()
        for name in LAYOUT_PARAMS:
            data.pop(name, None)
        if ignore_status:
            data.pop("status", None)
        elif not any(data.getlist("status")):
            data.setlist("status", ACTIVE)
        data.setdefault("snoozed", DEFAULT_SNOOZED)
        return data

    def filterset(self, *, ignore_status: bool = False) -> TicketFilterSet:
        return TicketFilterSet(
            self._filter_data(ignore_status=ignore_status),
            queryset=selectors.ticket_list(membership=self.membership),
            request=self.request,
            membership=self.membership,
        )

    def make_filterset(self) -> TicketFilterSet:
        return self.filterset()

    def tickets(self, *, ignore_status: bool = False) -> QuerySet[Ticket]:
        """The matching tickets in the chosen order; none when a filter is invalid."""
        filterset = (
            self.filterset(ignore_status=True)
            if ignore_status
            else self._main_filterset()
        )
        if not filterset.is_valid():
            return Ticket.objects.none()
        return filterset.qs

    def count(self) -> selectors.Tally:
        return selectors.capped_counts({"n": self.tickets()})["n"]

    @cached_property
    def rows(self) -> "RowData":
        return RowData.load(self.membership.workspace)

    def board_cards(self, statuses: list[str], per_column: int) -> dict[str, list]:
        """The first `per_column` cards of each of `statuses`, in one query: a
        UNION ALL of one indexed LIMIT per status picks the ids (a window function
        over the statuses would number every matching ticket, some 450,000 active
        ones at a million), then the rows are read in the page's order."""
        base = self.tickets(ignore_status=True)
        cards: dict[str, list] = {status: [] for status in statuses}
        if not statuses or base.query.is_empty():
            return cards
        parts, params = [], []
        for index, status in enumerate(statuses):
            sql, part_params = (
                base.filter(status=status)
                .values("pk")[:per_column]
                .query.sql_with_params()
            )
            # Wrapped, as SQLite takes no LIMIT in a UNION's own parts; the SQL is
            # the ORM's, with its values as parameters.
            parts.append(f"SELECT * FROM ({sql}) AS c{index}")  # noqa: S608
            params.extend(part_params)
        ids = RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611
        for ticket in self.rows.attach(lean_rows(base.filter(pk__in=ids))):
            cards[ticket.status].append(ticket)
        return cards

    @property
    def statuses(self) -> list[str]:
        """The statuses the page shows (the active ones unless a filter says)."""
        filterset = self._main_filterset()
        if not filterset.is_valid():
            return []
        return filterset.form.cleaned_data["status"]

    def status_counts(self) -> dict[str, selectors.Tally]:
        """Counts per status for the stats bar: every filter except status applies."""
        filterset = self.filterset(ignore_status=True)
        if not filterset.is_valid():
            return {}
        return selectors.ticket_status_counts(filterset.qs)

    # --- links and chips ---

    def as_filters(self) -> dict[str, list[str] | str]:
        """The filters as stored in a SavedView (lists for repeatable parameters)."""
        out: dict[str, list[str] | str] = {}
        for name, value in self.filter_params:
            out.setdefault(name, []).append(value)  # type: ignore[union-attr]
        return {k: v[0] if len(v) == 1 else v for k, v in out.items()}

    def kept_params(self, overrides: dict) -> list[tuple[str, str]]:
        if self.layout == "board" and "view" not in overrides:
            return [("view", "board")]
        return []

    @property
    def list_url(self) -> str:
        return self.url(view="list")

    @property
    def board_url(self) -> str:
        return self.url(view="board")

    def chip_value(self, name: str, value: str) -> str:
        return self._names.display(name, value, self.request.user)

    @property
    def queue(self) -> str:
        """Which sidebar queue the page shows, to highlight it."""
        filters = dict(self.filter_params)
        if filters.get("snoozed") == "snoozed":
            return "snoozed"
        if filters.get("assignee") == "me" and len(filters) == 1:
            return "mine"
        if filters == {"assignee": "me", "unread": "true"}:
            return "unread"
        if filters.get("assignee") == "none" and len(filters) == 1:
            return "unassigned"
        if filters == {"status": DONE_QUEUE}:
            return "done"
        return "all" if not filters else ""

    def filter_options(self) -> dict:
        workspace = self.membership.workspace
        return {
            "statuses": [
                (code, name)
                for code, (name, _) in workflow.status_display(workspace).items()
            ],
            "priorities": Ticket.Priority.choices,
            "sources": Ticket.Source.choices,
            "sla": SlaFilter.choices,
            "sync_statuses": SYNC_STATUS_CHOICES,
            "replies": REPLY_CHOICES,
            "members": self.rows.members,
            "teams": workspace.teams.order_by("name"),
            "labels": self.rows.labels,
            "tags": Tag.objects.filter(workspace=workspace).order_by("name")[:200],
        }


class _ChipNames:
    """Turns ids in the query string into names, with one query per kind."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self._cache: dict[str, dict[str, str]] = {}

    def _names(self, name: str) -> dict[str, str]:
        if name not in self._cache:
            if name == "assignee":
                rows = Membership.objects.filter(workspace=self.workspace).values_list(
                    "user_id", "user__username"
                )
            elif name == "team":
                rows = self.workspace.teams.values_list("pk", "name")
            elif name == "label":
                rows = [(lab.pk, lab.path) for lab in label_choices(self.workspace)]
            else:
                rows = []
            self._cache[name] = {str(k): v for k, v in rows}
        return self._cache[name]

    def display(self, name: str, value: str, user) -> str:
        if name == "status":
            return workflow.label(value).strip("'")
        if name == "priority":
            return dict(Ticket.Priority.choices).get(parse_int(value), value)
        if name == "source":
            return dict(Ticket.Source.choices).get(value, value)
        if name == "sla":
            return dict(SlaFilter.choices).get(value, value)
        if name == "sync_status":
            return dict(SYNC_STATUS_CHOICES).get(value, value)
        if name == "reply":
            return dict(REPLY_CHOICES).get(value, value)
        if name == "assignee":
            if value == "me":
                return "Me"
            if value == "none":
                return "Unassigned"
        if name == "unread":
            return "Yes" if value.lower() in ("true", "1", "yes", "on") else "No"
        if name == "snoozed":
            return {"snoozed": "Only snoozed", "all": "Including snoozed"}.get(
                value, "Hidden"
            )
        return self._names(name).get(value, value)


# --- reads for the detail panel ---


def label_choices(workspace: Workspace) -> list[Label]:
    """Every label of the workspace, parents loaded, sorted by path."""
    labels = list(
        Label.objects.filter(workspace=workspace).select_related("parent__parent")
    )
    return sorted(labels, key=lambda label: label.path.lower())


def ticket_panel_tabs(*, ticket: Ticket) -> dict:
    """What the detail panel's tabs show, each list with a fixed number of queries
    (the thread's page is tickets.ui.thread's)."""
    # A UNION of ids, not an OR across the join (a scan of every conversation).
    primary = Conversation.objects.filter(pk=ticket.primary_conversation_id)
    through = Ticket.associated_conversations.through.objects.filter(ticket=ticket)
    linked = through.values("conversation_id").union(primary.order_by().values("pk"))
    found = Conversation.objects.filter(pk__in=linked).select_related("contact")
    conversations = list(found.order_by("pk"))
    return {
        "events": list(selectors.ticket_events(ticket=ticket)),
        "history": selectors.ticket_history(ticket=ticket, limit=HISTORY_LIMIT),
        "primary": next(
            (c for c in conversations if c.pk == ticket.primary_conversation_id), None
        ),
        "associated": [
            c for c in conversations if c.pk != ticket.primary_conversation_id
        ],
        # Prefetched in name order with the ticket (selectors.ticket_list).
        "tags": list(ticket.tags.all()),
        "external_links": list(ticket.external_links.all()),
    }


def saved_views(*, membership: Membership) -> QuerySet[SavedView]:
    """The member's own views and the workspace's shared ones."""
    return scoped(SavedView.objects.all(), membership.workspace).filter(
        Q(owner=membership.user) | Q(is_shared=True)
    )


def conversation_get(*, membership: Membership, pk: int) -> Conversation:
    return get_object_or_404(
        scoped(Conversation.objects.select_related("contact"), membership.workspace),
        pk=pk,
    )


class CappedPaginator(Paginator):
    """Page numbers over a count that stops at selectors.COUNT_CAP: past it the
    page says "1,000+ tickets" and offers the pages up to the cap. `total`, when
    the page counted its tickets already (the stats bar's counts of the statuses
    shown), spares the count: capped at COUNT_CAP it is the same number."""

    def __init__(self, object_list, per_page, *, total=None):
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> selectors.Tally:
        if self.total is not None:
            # A status's count that stopped makes the sum "at least": past the cap.
            past = int(self.total) + self.total.capped
            return selectors.Tally(past, selectors.COUNT_CAP)
        return selectors.capped_counts({"n": self.object_list})["n"]


# --- rows of the list and cards of the board ---


def lean_rows(queryset: QuerySet[Ticket], *related: str) -> QuerySet[Ticket]:
    """`queryset` joined to the requester (and `related`) only. PostgreSQL plans
    the list selector's eight-table join in some 10-50 ms (to run it takes half a
    millisecond); a page has the workspace, its members and labels loaded anyway
    and attaches them (RowData.attach)."""
    return queryset.select_related(None).select_related("requester", *related)


class Options:
    """A select's options written once for a page of rows; each row marks its own
    value selected (a string replace, not a template loop per row)."""

    def __init__(self, choices: Iterable[tuple[object, str]]):
        self.html = format_html_join("", '<option value="{}">{}</option>', choices)

    def selecting(self, value) -> SafeString:
        mark = format_html('<option value="{}"', "" if value is None else value)
        return mark_safe(self.html.replace(mark + ">", mark + " selected>", 1))  # noqa: S308


class RowData:
    """What list rows and board cards show besides the ticket's own columns: the
    workspace, its members and labels (one query each), and the selects' options."""

    def __init__(self, workspace: Workspace, members: list, labels: list[Label]):
        self.workspace = workspace
        self.members = members
        self.labels = labels

    @classmethod
    def load(cls, workspace: Workspace) -> "RowData":
        members = list(
            Membership.objects.filter(workspace=workspace)
            .select_related("user")
            .order_by("user__username")
        )
        return cls(workspace, members, label_choices(workspace))

    @cached_property
    def assignees(self) -> Options:
        return Options(
            [("", "Unassigned")]
            + [(m.user_id, display_name(m.user)) for m in self.members]
        )

    @cached_property
    def priorities(self) -> Options:
        return Options(Ticket.Priority.choices)

    @cached_property
    def _statuses(self) -> dict[str, Options]:
        names = workflow.status_display(self.workspace)
        return {
            status: Options(
                (code, names[code][0])
                for code in [status, *workflow.allowed_next(status)]
            )
            for status in names
        }

    def statuses(self, ticket: Ticket) -> SafeString:
        """The ticket's status and the ones it may move to, its own selected."""
        return self._statuses[ticket.status].selecting(ticket.status)

    def attach(self, tickets: Iterable[Ticket]) -> list[Ticket]:
        """`tickets` with their workspace, assignee, creator and label set from
        what this page loaded; people who left the workspace in one more query."""
        tickets = list(tickets)
        users = {m.user_id: m.user for m in self.members}
        missing = {
            pk
            for t in tickets
            for pk in (t.assignee_id, t.created_by_id)
            if pk is not None and pk not in users
        }
        if missing:
            users.update(get_user_model().objects.in_bulk(missing))
        labels = {label.pk: label for label in self.labels}
        for ticket in tickets:
            ticket.workspace = self.workspace
            ticket.assignee = users.get(ticket.assignee_id)
            ticket.created_by = users.get(ticket.created_by_id)
            ticket.label = labels.get(ticket.label_id)
        return tickets


# --- the page shell: sidebar queues, pinned views, workspace switcher ---


def sidebar(request, membership: Membership) -> dict:
    """Counts for the sidebar queues (unread: the member's tickets a customer wrote
    on since they last opened them), the pinned saved views (one query each) and
    the bell's unread notifications. The live-update poll sends them again."""
    base = selectors.ticket_list(membership=membership)
    # Each count is the query of the list its link opens (TicketQuery's defaults).
    active = Q(status__in=ACTIVE)
    awake = Q(active, snoozed_until__isnull=True)
    counts = selectors.capped_counts(
        {
            "all": base.filter(awake),
            "mine": base.filter(awake, assignee=request.user),
            "unread": base.filter(awake, assignee=request.user, assignee_unread=True),
            "unassigned": base.filter(awake, assignee__isnull=True),
            "snoozed": base.filter(active, snoozed_until__isnull=False),
            "done": base.filter(status__in=DONE, snoozed_until__isnull=True),
            "bell": Notification.objects.filter(
                recipient=request.user,
                workspace=membership.workspace,
                read_at__isnull=True,
            ),
        }
    )
    pinned = []
    pinned_views = saved_views(membership=membership).filter(is_pinned=True)
    for view in pinned_views.order_by("position", "name", "id"):
        query = TicketQuery.from_saved(view, request=request, membership=membership)
        pinned.append(
            {
                "view": view,
                "count": query.count(),
                "url": query.url(),
                "query": query.query_only,  # highlights the view while it is open
            }
        )
    return {"counts": counts, "pinned_views": pinned, "done_queue": DONE_QUEUE}


def page_shell(request, membership: Membership) -> dict:
    """What base.html's sidebar and top bar need."""
    return {
        "membership": membership,
        "memberships": Membership.objects.filter(user=request.user)
        .select_related("workspace")
        .order_by("workspace__name"),
        "can_manage": can(membership, "reports.view"),
        "can_share_views": can(membership, "views.share"),
        **sidebar(request, membership),
    }
