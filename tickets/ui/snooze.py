"""Snooze presets: when "1 hour", "tomorrow", "next Monday" end, in workspace time.

The one list of presets: the panel's and the bulk bar's snooze menus offer them
(`snooze_presets`), each resolved by `snooze_until`.
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError

from helpdesk.models import Workspace

MORNING = time(9, 0)
PRESETS = {
    "1h": "In 1 hour",
    "4h": "In 4 hours",
    "tomorrow": "Tomorrow 9:00",
    "next_monday": "Next Monday 9:00",
    "custom": "Custom",
}
HOURS = {"1h": 1, "4h": 4}


def snooze_until(
    preset: str,
    *,
    workspace: Workspace,
    now: datetime,
    custom: datetime | None = None,
) -> datetime:
    """The wake-up time for a preset; "custom" needs an aware future `custom`."""
    local = now.astimezone(workspace.tz)
    if preset in HOURS:
        return now + timedelta(hours=HOURS[preset])
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


def snooze_presets(*, workspace: Workspace, now: datetime) -> list[tuple[str, str]]:
    """The fixed presets' menu: (wake-up time, ISO 8601 in workspace time; label)."""
    return [
        (
            snooze_until(preset, workspace=workspace, now=now)
            .astimezone(workspace.tz)
            .isoformat(),
            label,
        )
        for preset, label in PRESETS.items()
        if preset != "custom"
    ]
