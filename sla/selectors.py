"""Reads of SLA clocks for ticket lists and details (the API and agent UI use these).

- `filter_tickets_by_sla(qs, value, workspace=, now=)`: the Due Today / Due This Week /
  Overdue / At Risk list filters (day and week boundaries in the workspace timezone).
- `annotate_next_breach(qs)`: adds `next_sla_breach_at` (earliest due date of a running
  clock) to order by "Next SLA breach" with `order_by_next_breach`.
- `prefetch_sla_clocks(qs)`: the clocks a serializer shows, in one extra query.
"""

from datetime import UTC, datetime, time, timedelta

from django.db.models import (
    Exists,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from helpdesk.models import Workspace
from helpdesk.tenancy import scoped
from sla.models import SlaPolicy, SlaTarget
from tickets.models import Ticket

NO_BREACH = datetime(9999, 12, 31, tzinfo=UTC)


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
        clocks = running.filter(
            warn_at__lte=now, due_at__gt=now, breached_at__isnull=True
        )
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


def annotate_next_breach(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Adds `next_sla_breach_at`: the earliest due date of the ticket's running clocks
    (None when no clock runs)."""
    earliest = (
        SlaTarget.objects.filter(RUNNING, ticket=OuterRef("pk"))
        .values("ticket")
        .annotate(first_due=Min("due_at"))
        .values("first_due")[:1]
    )
    # next_breach_sort never is NULL (cursor pagination needs that): tickets
    # without a running clock sort after every real due date.
    return queryset.annotate(next_sla_breach_at=Subquery(earliest)).annotate(
        next_breach_sort=Coalesce("next_sla_breach_at", Value(NO_BREACH))
    )


def order_by_next_breach(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Soonest breach first (tickets without a running clock last)."""
    return annotate_next_breach(queryset).order_by("next_breach_sort", "id")


def prefetch_sla_clocks(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Prefetch each ticket's clocks (with policy names) into `ticket.sla_targets`."""
    return queryset.prefetch_related(
        Prefetch(
            "sla_targets",
            queryset=SlaTarget.objects.select_related("policy").order_by("due_at"),
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
