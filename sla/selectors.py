"""Reads of SLA clocks for ticket lists and details (the API and agent UI use these).

- `filter_tickets_by_sla(qs, value, workspace=, now=)`: the Due Today / Due This Week /
  Overdue / At Risk list filters (day and week boundaries in the workspace timezone).
- "Next SLA breach" orders by the stored Ticket.next_breach_at (sla.services keeps it).
- `prefetch_sla_clocks(qs)`: the clocks a serializer shows, in one extra query.
- `sla_ticket_filter()`: the `sla` filter SlaConfig.ready() adds to TicketFilterSet
  (with `prefetch_sla_clocks` added to every ticket list).
"""

from datetime import datetime, time, timedelta

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from helpdesk.models import Membership, Workspace
from helpdesk.tenancy import scoped
from sla.models import SlaPolicy, SlaTarget
from tickets.filters import MemberChoiceFilter
from tickets.models import Ticket


class SlaFilter:
    DUE_TODAY = "due_today"
    DUE_THIS_WEEK = "due_this_week"
    OVERDUE = "overdue"
    AT_RISK = "at_risk"

    choices = [
        (DUE_TODAY, "Due today"),
        (DUE_THIS_WEEK, "Due this week"),
        (OVERDUE, "Overdue"),
        (AT_RISK, "At risk"),
    ]
    values = [value for value, _ in choices]


# A clock that is still counting: not fulfilled, not paused (the index
# sla_target_running serves these).
RUNNING = Q(fulfilled_at__isnull=True, paused_at__isnull=True)


def _local_day_start(now: datetime, workspace: Workspace, days: int = 0) -> datetime:
    local = now.astimezone(workspace.tz).date() + timedelta(days=days)
    return datetime.combine(local, time(0), tzinfo=workspace.tz)


# The tickets at risk are looked up by id first when there are at most this many:
# their clocks come off the partial index sla_target_breach_due in a millisecond,
# where a per-ticket EXISTS walked every ticket of the workspace when few or none
# were at risk. With more, the EXISTS finds its first page quickly.
AT_RISK_BY_ID = 5000


def filter_tickets_by_sla(
    queryset: QuerySet[Ticket], value: str, *, workspace: Workspace, now: datetime
) -> QuerySet[Ticket]:
    """Tickets with a running clock that is due today, due this week (Monday to
    Sunday), overdue (past due or marked breached) or at risk (in its warning
    window). An unknown value raises ValueError."""
    running = SlaTarget.objects.filter(RUNNING, ticket=OuterRef("pk"))
    if value == SlaFilter.OVERDUE:
        clocks = SlaTarget.objects.filter(
            Q(RUNNING, due_at__lte=now)
            | Q(fulfilled_at__isnull=True, breached_at__isnull=False),
            ticket=OuterRef("pk"),
        )
    elif value == SlaFilter.AT_RISK:
        at_risk = {"warn_at__lte": now, "due_at__gt": now, "breached_at__isnull": True}
        ids = list(
            SlaTarget.objects.filter(
                RUNNING, workspace=workspace, **at_risk
            ).values_list("ticket_id", flat=True)[: AT_RISK_BY_ID + 1]
        )
        if len(ids) <= AT_RISK_BY_ID:
            return queryset.filter(pk__in=ids)
        clocks = running.filter(**at_risk)
    elif value == SlaFilter.DUE_TODAY:
        start = _local_day_start(now, workspace)
        clocks = running.filter(
            due_at__gte=start, due_at__lt=_local_day_start(now, workspace, 1)
        )
    elif value == SlaFilter.DUE_THIS_WEEK:
        weekday = now.astimezone(workspace.tz).weekday()
        start = _local_day_start(now, workspace, -weekday)
        end = _local_day_start(now, workspace, 7 - weekday)
        clocks = running.filter(due_at__gte=start, due_at__lt=end)
    else:
        raise ValueError(
            f"Unknown SLA filter {value!r}; "
            f"choose one of {', '.join(SlaFilter.values)}."
        )
    return queryset.filter(Exists(clocks))


def _filter_for_member(
    queryset: QuerySet[Ticket], value: str, *, membership: Membership | None
) -> QuerySet[Ticket]:
    if membership is None:
        return queryset
    return filter_tickets_by_sla(
        queryset, value, workspace=membership.workspace, now=timezone.now()
    )


def sla_ticket_filter() -> MemberChoiceFilter:
    """The ticket list's `sla` filter."""
    return MemberChoiceFilter(
        choices=SlaFilter.choices,
        apply=_filter_for_member,
        help_text="Tickets with a running SLA clock due today or this week "
        "(workspace time), overdue, or at risk (in the warning window).",
    )


def prefetch_sla_clocks(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Prefetch each ticket's clocks (with policy names) into `ticket.sla_targets`."""
    return queryset.prefetch_related(
        Prefetch(
            "sla_targets",
            # By id on equal due times, so every read shows the clocks alike.
            queryset=SlaTarget.objects.select_related("policy").order_by(
                "due_at", "id"
            ),
        )
    )


def sla_policy_list(*, workspace: Workspace) -> QuerySet[SlaPolicy]:
    """The workspace's policies in match order, with calendars and targets."""
    return (
        scoped(SlaPolicy.objects.all(), workspace)
        .select_related("calendar")
        .prefetch_related("targets")
        .order_by("position", "id")
    )
