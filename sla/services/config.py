"""Writes of SLA configuration: a policy with its targets, a calendar with its
business hours and holidays. Each is one transaction with its history rows by the
actor; the rows' own validation (`full_clean`) has the last word."""

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.actors import Actor
from helpdesk.audit import stamp_history
from helpdesk.models import Workspace
from sla.models import (
    Calendar,
    CalendarInterval,
    Holiday,
    SlaPolicy,
    SlaPolicyTarget,
)

POLICY_FIELDS = ("name", "position", "is_active", "internal_notes_fulfil", "calendar")


def _replace_children(manager, rows: list, actor: Actor) -> None:
    """Replace the children behind `manager` by `rows` (unsaved), each validated
    and saved with its history row by the actor."""
    for old in manager.all():
        stamp_history(old, actor, "replaced")
        old.delete()
    for row in rows:
        row.full_clean()
        stamp_history(row, actor, "saved")
        row.save()


def sla_policy_save(
    *,
    workspace: Workspace,
    actor: Actor,
    values: dict,
    conditions: dict,
    targets: list[dict],
    policy: SlaPolicy | None = None,
) -> SlaPolicy:
    """Create or change a policy (fields of POLICY_FIELDS, its conditions) and set
    its targets to `targets` (priority, metric, minutes, business_hours,
    warn_percent). Two targets for the same priority and metric are refused."""
    seen = [(t["priority"], t["metric"]) for t in targets]
    if len(seen) != len(set(seen)):
        raise ValidationError({"targets": ["Give one target per priority and metric."]})
    with transaction.atomic():
        if policy is None:
            policy = SlaPolicy(workspace=workspace)
        else:
            policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        for name in POLICY_FIELDS:
            setattr(policy, name, values[name])
        policy.conditions = conditions
        policy.full_clean(exclude=["workspace"])
        stamp_history(policy, actor, "saved")
        policy.save()
        _replace_children(
            policy.targets,
            [SlaPolicyTarget(policy=policy, **t) for t in targets],
            actor,
        )
    return policy


def _minute(value: time, *, end: bool) -> int:
    minute = value.hour * 60 + value.minute
    return 1440 if end and minute == 0 else minute


def calendar_save(
    *,
    workspace: Workspace,
    actor: Actor,
    values: dict,
    intervals: list[tuple[int, time, time]],
    holidays: list[tuple[date, str]],
    calendar: Calendar | None = None,
) -> Calendar:
    """Create or change a calendar (name, timezone, is_24x7) and set its open
    intervals (weekday, start, end; an end of 00:00 is midnight) and holidays."""
    errors = [
        f"{CalendarInterval.Weekday(day).label}: the end must be after the start."
        for day, start, end in intervals
        if _minute(start, end=False) >= _minute(end, end=True)
    ]
    days = [day for day, _ in holidays]
    if len(days) != len(set(days)):
        errors.append("A date is given twice among the holidays.")
    if errors:
        raise ValidationError({"intervals": errors})
    with transaction.atomic():
        if calendar is None:
            calendar = Calendar(workspace=workspace)
        else:
            calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
        for name in ("name", "timezone", "is_24x7"):
            setattr(calendar, name, values[name])
        calendar.full_clean(exclude=["workspace"])
        stamp_history(calendar, actor, "saved")
        calendar.save()
        _replace_children(
            calendar.intervals,
            [
                CalendarInterval(
                    calendar=calendar,
                    weekday=day,
                    start_minute=_minute(start, end=False),
                    end_minute=_minute(end, end=True),
                )
                for day, start, end in intervals
            ],
            actor,
        )
        _replace_children(
            calendar.holidays,
            [Holiday(calendar=calendar, date=d, name=n) for d, n in holidays],
            actor,
        )
    return calendar
