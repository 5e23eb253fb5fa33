"""TicketFilterSet: the one set of ticket filters shared by the API, the agent list,
"all matching" bulk actions and exports.

Every filter narrows a queryset that the selector has already scoped to the member's
workspace; filters that take ids (assignee, team, label) only accept ids from that
workspace, so another tenant's id is a field error, never a match.

Other apps add their own filters in their AppConfig.ready() with
`TicketFilterSet.add_filter` (sla: `sla`, due today / this week, overdue, at risk;
integrations: `sync_status`); the "next breach" ordering reads the stored
Ticket.next_breach_at.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django_filters.constants import EMPTY_VALUES

from helpdesk.lib.parsing import as_id
from helpdesk.models import Membership, Team, Workspace
from tickets import workflow
from tickets.models import Label, Ticket

User = get_user_model()

# Ordering keys the API and the UI accept, each mapped to model fields ending with a
# unique tiebreaker so every order is stable (cursor pagination relies on it).
ORDERINGS: dict[str, tuple[str, ...]] = {
    "priority": ("priority", "created_at", "id"),
    "-priority": ("-priority", "-created_at", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    # Most overdue and soonest SLA breach first, tickets with no running clock last
    # (Ticket.next_breach_at, indexed).
    "next_breach": ("next_breach_at", "id"),
}
DEFAULT_ORDERING = "-created"

SNOOZED_CHOICES = [
    ("active", "Not snoozed"),
    ("snoozed", "Snoozed"),
    ("all", "All"),
]
TAG_MODE_CHOICES = [("any", "Any of the tags"), ("all", "All of the tags")]
MAX_LIST_VALUES = 50
# Every word of a search must match, so more words are refused rather than dropped.
MAX_SEARCH_WORDS = 10


def _split(values: list[str] | str | None) -> list[str]:
    """`a,b` and repeated parameters both give [a, b]; blanks are dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


class CommaListField(forms.Field):
    """A list from repeated parameters or comma-separated values."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        items = _split(value)
        if len(items) > MAX_LIST_VALUES:
            raise forms.ValidationError(f"At most {MAX_LIST_VALUES} values.")
        return items


class CommaListFilter(django_filters.Filter):
    field_class = CommaListField


class TicketFilterForm(forms.Form):
    """The filter form; `workspace` and `user` are set by TicketFilterSet so the
    id-taking fields only accept the member's own workspace's rows."""

    workspace: Workspace | None = None
    user: Any = None

    def _choices_of(self, name: str, allowed: list[str], what: str) -> list[str]:
        values = self.cleaned_data.get(name) or []
        bad = [v for v in values if v not in allowed]
        if bad:
            raise forms.ValidationError(
                f"Unknown {what} {', '.join(map(repr, bad))}; "
                f"choose from {', '.join(allowed)}."
            )
        return values

    def clean_status(self) -> list[str]:
        return self._choices_of("status", workflow.Status.values, "status")

    def clean_source(self) -> list[str]:
        return self._choices_of("source", Ticket.Source.values, "source")

    def clean_priority(self) -> list[int]:
        values = self._choices_of(
            "priority", [str(v) for v in Ticket.Priority.values], "priority"
        )
        return [int(v) for v in values]

    def _ids(self, name: str) -> list[int]:
        ids = []
        for value in self.cleaned_data.get(name) or []:
            if as_id(value) is None:
                raise forms.ValidationError(f"{value!r} is not an id.")
            ids.append(as_id(value))
        return ids

    def clean_assignee(self) -> list[Any]:
        """Ids of members, `me` and `none`, as user ids, "me" resolved, None kept."""
        out: list[Any] = []
        ids = []
        for value in self.cleaned_data.get("assignee") or []:
            if value.lower() == "me":
                out.append(getattr(self.user, "pk", None))
            elif value.lower() == "none":
                out.append(None)
            elif as_id(value) is not None:
                ids.append(as_id(value))
            else:
                raise forms.ValidationError(
                    f"{value!r} is not a member id, 'me' or 'none'."
                )
        if ids:
            found = set(
                Membership.objects.filter(
                    workspace=self.workspace, user_id__in=ids
                ).values_list("user_id", flat=True)
            )
            missing = [i for i in ids if i not in found]
            if missing:
                raise forms.ValidationError(
                    f"No member with id {', '.join(map(str, missing))} "
                    "in this workspace."
                )
            out.extend(ids)
        return out

    def _workspace_ids(self, name: str, model, what: str) -> list[int]:
        ids = self._ids(name)
        if ids:
            found = set(
                model.objects.filter(workspace=self.workspace, pk__in=ids).values_list(
                    "pk", flat=True
                )
            )
            missing = [i for i in ids if i not in found]
            if missing:
                raise forms.ValidationError(
                    f"No {what} with id {', '.join(map(str, missing))} "
                    "in this workspace."
                )
        return ids

    def clean_team(self) -> list[int]:
        return self._workspace_ids("team", Team, "team")

    def clean_label(self) -> list[int]:
        return self._workspace_ids("label", Label, "label")

    def clean_q(self) -> str:
        q = self.cleaned_data.get("q") or ""
        if len(q.split()) > MAX_SEARCH_WORDS:
            raise forms.ValidationError(f"At most {MAX_SEARCH_WORDS} words.")
        return q

    def clean_tags(self) -> list[str]:
        return [" ".join(t.split()).lower() for t in self.cleaned_data.get("tags", [])]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("priority_min"), data.get("priority_max")
        if low is not None and high is not None and low > high:
            self.add_error("priority_max", "Must not be below priority_min.")
        return data


class MemberChoiceFilter(django_filters.ChoiceFilter):
    """A choice filter whose work is `apply(queryset, value, membership=...)`: the
    shape of the filters other apps add, which may need the member's workspace
    (None when the filter set was made without a member)."""

    def __init__(self, *args, apply, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply = apply

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return self.apply(qs, value, membership=self.parent.membership)


class TicketFilterSet(django_filters.FilterSet):
    """Every list filter for tickets. Pass `membership=` (or a request carrying
    `request.membership`) so ids are checked against the right workspace."""

    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Search: a ref or number (TKT-42, #42, 42) finds that ticket; "
        "otherwise tickets with all the words (at most 10, the last one as a prefix) "
        "in subject, content, question and answer, or all of them as fragments of "
        "the requester's name or e-mail. Every match, newest first.",
    )
    status = CommaListFilter(
        method="filter_status",
        help_text="One or more statuses (repeat or comma-separate).",
    )
    priority = CommaListFilter(
        method="filter_priority", help_text="One or more priorities 1-5."
    )
    priority_min = django_filters.NumberFilter(
        field_name="priority", lookup_expr="gte", min_value=1, max_value=5
    )
    priority_max = django_filters.NumberFilter(
        field_name="priority", lookup_expr="lte", min_value=1, max_value=5
    )
    assignee = CommaListFilter(
        method="filter_assignee",
        help_text="Member user ids, `me` (the caller) or `none` (unassigned).",
    )
    team = CommaListFilter(method="filter_team", help_text="Team ids.")
    label = CommaListFilter(
        method="filter_label", help_text="Label ids; each includes its sublabels."
    )
    tags = CommaListFilter(method="filter_tags", help_text="Tag names.")
    tag_mode = django_filters.ChoiceFilter(
        choices=TAG_MODE_CHOICES,
        method="filter_noop",
        help_text="With `tags`: `any` (default) or `all` of them.",
    )
    source = CommaListFilter(method="filter_source", help_text="Ticket sources.")
    topic = django_filters.CharFilter(lookup_expr="iexact", max_length=100)
    intent = django_filters.CharFilter(lookup_expr="iexact", max_length=100)
    channel = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        help_text="created_after / created_before (dates, inclusive).",
    )
    updated = django_filters.DateFromToRangeFilter(
        field_name="updated_at",
        help_text="updated_after / updated_before (dates, inclusive).",
    )
    resolved = django_filters.DateFromToRangeFilter(
        field_name="resolved_at",
        help_text="resolved_after / resolved_before (dates, inclusive).",
    )
    snoozed = django_filters.ChoiceFilter(
        choices=SNOOZED_CHOICES,
        method="filter_snoozed",
        help_text="`active` hides snoozed tickets, `snoozed` shows only them; "
        "`all` (the default) shows both.",
    )
    unread = django_filters.BooleanFilter(
        field_name="assignee_unread",
        help_text="`true`: tickets the customer wrote on since their assignee "
        "last opened them (with `assignee=me`: your unread tickets).",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        method="filter_noop",
        help_text="Sort key; `-` for descending. Default `-created` "
        "(also when searching).",
    )

    class Meta:
        model = Ticket
        fields: list[str] = []
        form = TicketFilterForm

    @classmethod
    def add_filter(cls, name: str, filter_: django_filters.Filter) -> None:
        """Add a filter another app owns (from its AppConfig.ready()), placed before
        `ordering`; adding one by the same name again replaces it."""
        if filter_.field_name is None:
            filter_.field_name = name
        names = [key for key in cls.base_filters if key != name]
        at = names.index("ordering")
        items = [(key, cls.base_filters[key]) for key in names]
        items.insert(at, (name, filter_))
        cls.base_filters = type(cls.base_filters)(items)

    def __init__(
        self, data=None, queryset=None, *, request=None, membership=None, **kw
    ):
        super().__init__(data, queryset, request=request, **kw)
        self.membership: Membership | None = membership or getattr(
            request, "membership", None
        )

    @property
    def form(self) -> TicketFilterForm:
        if not hasattr(self, "_form"):
            form = super().form
            if self.membership is not None:
                form.workspace = self.membership.workspace
                form.user = self.membership.user
            self._form = form
        return self._form

    # --- filters ---

    def filter_noop(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """Parameters read elsewhere (tag_mode by filter_tags, ordering by
        `ordering_fields`)."""
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from tickets.selectors import ticket_search

        return ticket_search(
            queryset,
            value,
            prefix=self._prefix(),
            workspace=self.membership.workspace if self.membership else None,
        )

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=value) if value else queryset

    def filter_priority(self, queryset, name, value):
        return queryset.filter(priority__in=value) if value else queryset

    def filter_source(self, queryset, name, value):
        return queryset.filter(source__in=value) if value else queryset

    def filter_assignee(self, queryset, name, value):
        if not value:
            return queryset
        ids = [v for v in value if v is not None]
        condition = Q(assignee_id__in=ids)
        if None in value:
            condition |= Q(assignee__isnull=True)
        return queryset.filter(condition)

    def filter_team(self, queryset, name, value):
        return queryset.filter(team_id__in=value) if value else queryset

    def filter_label(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(label_id__in=self._with_descendants(value))

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        if self.form.cleaned_data.get("tag_mode") == "all":
            for tag in value:
                queryset = queryset.filter(tags__name=tag)
            return queryset
        return queryset.filter(
            pk__in=Ticket.tags.through.objects.filter(tag__name__in=value).values(
                "ticket_id"
            )
        )

    def filter_snoozed(self, queryset, name, value):
        if value == "active":
            return queryset.filter(snoozed_until__isnull=True)
        if value == "snoozed":
            return queryset.filter(snoozed_until__isnull=False)
        return queryset

    # --- ordering ---

    def ordering_fields(self) -> tuple[str, ...]:
        """The order the filtered rows come in (read after `is_valid()`)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        return ORDERINGS[data.get("ordering") or DEFAULT_ORDERING]

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            qs = super().qs
            if self.is_bound and self.is_valid():
                qs = qs.order_by(*self.ordering_fields())
            self._qs = qs
        return self._qs

    # --- helpers ---

    def _prefix(self) -> str:
        if self.membership is not None:
            return self.membership.workspace.ticket_prefix
        return "TKT"

    def _with_descendants(self, label_ids: list[int]) -> set[int]:
        workspace = self.membership.workspace if self.membership else None
        labels = Label.objects.all()
        if workspace is not None:
            labels = labels.filter(workspace=workspace)
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in labels.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, stack = set(), list(label_ids)
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found
