"""Snooze presets: when "1 hour", "tomorrow", "next Monday" end, in workspace time."""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError

from helpdesk.models import Workspace

MORNING = time(9, 0)
PRESETS = {
    "1h": "In 1 hour",
    "tomorrow": "Tomorrow 9:00",
    "next_monday": "Next Monday 9:00",
    "custom": "Custom",
}


def snooze_until(
    preset: str,
    *,
    workspace: Workspace,
    now: datetime,
    custom: datetime | None = None,
) -> datetime:
    """The wake-up time for a preset; "custom" needs an aware future `custom`."""
    local = now.astimezone(workspace.tz)
    if preset == "1h":
        return now + timedelta(hours=1)
    if preset == "tomorrow":
        day = local.date() + timedelta(days=1)
    elif preset == "next_monday":
        day = local.date() + timedelta(days=7 - local.weekday())
    elif preset == "custom":
        if custom is None or custom.tzinfo is None:
            raise ValidationError({"until": ["Give a date and time with a time zone."]})
        return custom
    else:
        raise ValidationError(
            {"preset": [f"Unknown preset {preset!r}; use {', '.join(PRESETS)}."]}
        )
    return datetime.combine(day, MORNING, tzinfo=workspace.tz)
