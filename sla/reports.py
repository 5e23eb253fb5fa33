"""The SLA compliance report, drawn on the tickets reports page like the others.

Its numbers come from the per-ticket clocks (SlaTarget); the period, grouping and
Report shape are the ticket reports' (tickets.reports.queries).
"""

from django.db.models import Count, F, Q
from django.db.models.functions import Now

from helpdesk.models import Workspace
from sla.models import Metric, SlaTarget
from tickets.reports.queries import (
    GROUPINGS,
    NONE_LABEL,
    Period,
    Report,
    group_field,
    group_names,
)


def sla_compliance(workspace: Workspace, period: Period, group_by: str) -> Report:
    """Achieved and breached SLA clocks per metric, for clocks due in the range.

    A clock is achieved when it was fulfilled by its due time; it is breached when
    the sweep marked it, when it was fulfilled late, or when it is overdue and still
    running. Clocks due later and still running count in neither column.
    """
    group = group_field(group_by)
    keys = ["metric"] + ([f"ticket__{group}"] if group else [])
    breached = (
        Q(breached_at__isnull=False)
        | Q(fulfilled_at__gt=F("due_at"))
        | Q(fulfilled_at__isnull=True, due_at__lt=Now())
    )
    rows = list(
        SlaTarget.objects.filter(workspace=workspace)
        .filter(period.within("due_at"))
        .values(*keys)
        .annotate(
            achieved=Count("id", filter=Q(fulfilled_at__lte=F("due_at")) & ~breached),
            breached=Count("id", filter=breached),
        )
        .order_by(*keys)
    )
    names = group_names(
        workspace, group_by, [r[f"ticket__{group}"] for r in rows] if group else []
    )
    return Report(
        key="sla",
        title="SLA compliance",
        columns=["metric", GROUPINGS[group_by][0].lower(), "achieved", "breached"],
        rows=[
            [
                Metric(r["metric"]).label,
                names.get(r[f"ticket__{group}"] if group else None, NONE_LABEL),
                r["achieved"],
                r["breached"],
            ]
            for r in rows
        ],
        kind="sla",
    )
