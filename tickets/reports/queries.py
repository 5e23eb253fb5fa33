"""Manager reports: every number is a SQL aggregate over the workspace's tickets.

Each report takes a workspace, a date range (inclusive, in the workspace's time zone)
and a grouping (team, agent, priority, label, channel or none) and returns a Report:
a title, column names and rows, which the page draws as a chart and the CSV download
writes as is. Percentiles are computed by the database: `percentile_cont` on
PostgreSQL; elsewhere (SQLite) by reading the one or two middle rows with ORDER BY
and OFFSET, which gives the same linear interpolation.

The SLA compliance report is the sla app's (sla.reports); the reports page adds it.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Least, TruncDate

from helpdesk.models import Team, Workspace
from tickets import wording, workflow
from tickets.models import Label, Ticket

GROUPINGS = {
    "none": ("Everything", None),
    "team": ("Team", "team_id"),
    "agent": ("Agent", "assignee_id"),
    "priority": ("Priority", "priority"),
    "label": ("Label", "label_id"),
    "channel": ("Channel", "channel"),
}
NONE_LABEL = "(none)"
MAX_RANGE_DAYS = 366
CONFIDENCE_BUCKETS = [f"{n * 10}-{n * 10 + 9}" for n in range(9)] + ["90-100"]


@dataclass
class Report:
    """One report's numbers: `rows` follow `columns`; `kind` tells how to chart it."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    kind: str  # "daily", "categories" or "durations"
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    """An inclusive range of days in a time zone."""

    start: date
    end: date
    tz: Any

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.tz)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def days(self) -> list[date]:
        return [
            self.start + timedelta(days=n)
            for n in range((self.end - self.start).days + 1)
        ]

    def within(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start_at, f"{name}__lt": self.end_before})


def make_period(workspace: Workspace, start: date, end: date) -> Period:
    if end < start:
        raise ValueError("The end date is before the start date.")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValueError(f"Choose a range of at most {MAX_RANGE_DAYS} days.")
    return Period(start=start, end=end, tz=workspace.tz)


# --- SQL building blocks ---


class ElapsedSeconds(Func):
    """Seconds from the second expression to the first, as a float, in SQL."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # SQLite and others
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::float",
            arg_joiner=" - ",
            **extra,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation between rows)."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _tickets(workspace: Workspace) -> QuerySet[Ticket]:
    return Ticket.objects.filter(workspace=workspace)


def group_field(group_by: str) -> str | None:
    if group_by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {group_by!r}.")
    return GROUPINGS[group_by][1]


def group_names(workspace: Workspace, group_by: str, keys) -> dict[Any, str]:
    """Display names for the group keys, read in one query."""
    keys = {k for k in keys if k not in (None, "")}
    names: dict[Any, str] = {None: NONE_LABEL, "": NONE_LABEL}
    if group_by == "none":
        names[None] = "All tickets"
    elif group_by == "team":
        names |= {
            t.pk: t.name for t in Team.objects.filter(workspace=workspace, pk__in=keys)
        }
    elif group_by == "agent":
        users = get_user_model().objects.filter(pk__in=keys)
        names |= {u.pk: u.get_full_name() or u.get_username() for u in users}
    elif group_by == "label":
        labels = Label.objects.filter(workspace=workspace, pk__in=keys)
        names |= {label.pk: label.path for label in labels.select_related("parent")}
    elif group_by == "priority":
        names |= {p.value: f"{p.value} {p.label}" for p in Ticket.Priority}
    elif group_by == "channel":
        names |= {k: wording.humanise(k) for k in keys}
    return names


def _counts(queryset: QuerySet, category: str | None, group_by: str) -> list[dict]:
    """Rows of {category, group, n}: one GROUP BY query."""
    group = group_field(group_by)
    keys = [k for k in (category, group) if k]
    rows = queryset.values(*keys).annotate(n=Count("id")).order_by(*keys)
    return [
        {
            "category": row[category] if category else None,
            "group": row[group] if group else None,
            "n": row["n"],
        }
        for row in rows
    ]


def _daily(
    key: str,
    title: str,
    queryset: QuerySet,
    at: str,
    workspace: Workspace,
    period: Period,
    group_by: str,
) -> Report:
    counted = _counts(
        queryset.filter(period.within(at)).annotate(
            day=TruncDate(at, tzinfo=period.tz)
        ),
        "day",
        group_by,
    )
    names = group_names(workspace, group_by, [r["group"] for r in counted])
    return Report(
        key=key,
        title=title,
        columns=["day", GROUPINGS[group_by][0].lower(), "tickets"],
        rows=[
            [
                _as_date(r["category"]).isoformat(),
                names.get(r["group"], NONE_LABEL),
                r["n"],
            ]
            for r in counted
        ],
        kind="daily",
        categories=[day.isoformat() for day in period.days],
    )


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # some backends hand dates back as text
        return date.fromisoformat(value[:10])
    return value


# --- the reports ---


def created_per_day(workspace: Workspace, period: Period, group_by: str) -> Report:
    return _daily(
        "created",
        "Tickets created per day",
        _tickets(workspace),
        "created_at",
        workspace,
        period,
        group_by,
    )


def resolved_per_day(workspace: Workspace, period: Period, group_by: str) -> Report:
    return _daily(
        "resolved",
        "Tickets resolved per day",
        _tickets(workspace),
        "resolved_at",
        workspace,
        period,
        group_by,
    )


def escalations_per_day(workspace: Workspace, period: Period, group_by: str) -> Report:
    return _daily(
        "escalations",
        "AI escalations per day",
        _tickets(workspace).filter(source=Ticket.Source.AI_ESCALATION),
        "created_at",
        workspace,
        period,
        group_by,
    )


def backlog_by_status(workspace: Workspace, period: Period, group_by: str) -> Report:
    """Tickets created in the range, by the status they are in now."""
    counted = _counts(
        _tickets(workspace).filter(period.within("created_at")), "status", group_by
    )
    names = group_names(workspace, group_by, [r["group"] for r in counted])
    statuses = {
        code: name for code, (name, _) in workflow.status_display(workspace).items()
    }
    return Report(
        key="backlog",
        title="Backlog by status (tickets created in the range, status now)",
        columns=["status", GROUPINGS[group_by][0].lower(), "tickets"],
        rows=[
            [
                statuses.get(r["category"], workflow.label(r["category"])),
                names.get(r["group"], NONE_LABEL),
                r["n"],
            ]
            for r in counted
        ],
        kind="categories",
        categories=list(statuses.values()),
    )


def confidence_distribution(
    workspace: Workspace, period: Period, group_by: str
) -> Report:
    """AI confidence of tickets created in the range, in buckets of ten points."""
    queryset = (
        _tickets(workspace)
        .filter(period.within("created_at"), confidence__isnull=False)
        .annotate(bucket=Least(F("confidence") / 10, Value(9)))
    )
    counted = _counts(queryset, "bucket", group_by)
    names = group_names(workspace, group_by, [r["group"] for r in counted])
    return Report(
        key="confidence",
        title="AI confidence distribution",
        columns=["confidence", GROUPINGS[group_by][0].lower(), "tickets"],
        rows=[
            [
                CONFIDENCE_BUCKETS[int(r["category"])],
                names.get(r["group"], NONE_LABEL),
                r["n"],
            ]
            for r in counted
        ],
        kind="categories",
        categories=CONFIDENCE_BUCKETS,
    )


def _percentiles(queryset: QuerySet, group: str | None) -> list[dict]:
    """Per group: count, median and p90 of the `seconds` annotation, in SQL."""
    if connection.vendor == "postgresql":
        aggregates = {
            "n": Count("id"),
            "median": PercentileCont("seconds", 0.5),
            "p90": PercentileCont("seconds", 0.9),
        }
        if group is None:
            row = queryset.order_by().aggregate(**aggregates)
            return [{"group": None, **row}] if row["n"] else []
        rows = queryset.values(group).annotate(**aggregates).order_by(group)
        return [{"group": r[group], **r} for r in rows]
    if group is None:
        groups = [queryset.order_by().aggregate(n=Count("id"))]
        groups = [g for g in groups if g["n"]]
    else:
        groups = queryset.values(group).annotate(n=Count("id")).order_by(group)
    results = []
    for row in groups:
        members = queryset.filter(**{group: row[group]}) if group else queryset
        if group and row[group] is None:
            members = queryset.filter(**{f"{group}__isnull": True})
        results.append(
            {
                "group": row[group] if group else None,
                "n": row["n"],
                "median": _percentile_by_offset(members, row["n"], 0.5),
                "p90": _percentile_by_offset(members, row["n"], 0.9),
            }
        )
    return results


def _percentile_by_offset(queryset: QuerySet, n: int, fraction: float) -> float:
    """percentile_cont without the function: read the one or two rows around the
    position with ORDER BY ... LIMIT 2 OFFSET k and interpolate between them."""
    position = (n - 1) * fraction
    low = math.floor(position)
    values = list(
        queryset.order_by("seconds").values_list("seconds", flat=True)[low : low + 2]
    )
    if len(values) == 1 or position == low:
        return values[0]
    return values[0] + (values[1] - values[0]) * (position - low)


def _durations(
    key: str,
    title: str,
    queryset: QuerySet,
    workspace: Workspace,
    group_by: str,
) -> Report:
    group = group_field(group_by)
    rows = _percentiles(queryset, group)
    names = group_names(workspace, group_by, [r["group"] for r in rows])
    return Report(
        key=key,
        title=title,
        columns=[
            GROUPINGS[group_by][0].lower(),
            "tickets",
            "median_hours",
            "p90_hours",
        ],
        rows=[
            [
                names.get(r["group"], NONE_LABEL),
                r["n"],
                round(r["median"] / 3600, 2),
                round(r["p90"] / 3600, 2),
            ]
            for r in rows
        ],
        kind="durations",
    )


def first_response_times(workspace: Workspace, period: Period, group_by: str) -> Report:
    """Creation to first public reply, for tickets created in the range."""
    queryset = (
        _tickets(workspace)
        .filter(period.within("created_at"), first_responded_at__isnull=False)
        .annotate(seconds=ElapsedSeconds(F("first_responded_at"), F("created_at")))
    )
    return _durations(
        "first_response", "First response time (hours)", queryset, workspace, group_by
    )


def resolution_times(workspace: Workspace, period: Period, group_by: str) -> Report:
    """Creation to resolution, for tickets resolved in the range."""
    queryset = (
        _tickets(workspace)
        .filter(period.within("resolved_at"))
        .annotate(seconds=ElapsedSeconds(F("resolved_at"), F("created_at")))
    )
    return _durations(
        "resolution", "Resolution time (hours)", queryset, workspace, group_by
    )


REPORTS = {
    "created": created_per_day,
    "resolved": resolved_per_day,
    "backlog": backlog_by_status,
    "first_response": first_response_times,
    "resolution": resolution_times,
    "escalations": escalations_per_day,
    "confidence": confidence_distribution,
}
