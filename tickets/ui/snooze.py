"""Snooze presets: when "1 hour", "tomorrow", "next Monday" end, in workspace time.

The one list of presets: the panel's and the bulk bar's snooze menus offer them
(`snooze_presets`), each resolved by `snooze_until` when the form is submitted (a
panel left open for an hour still snoozes for one hour from the click), or a date
and time picked in the workspace's time zone (`resolve_snooze`).
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

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


def snooze_presets() -> list[tuple[str, str]]:
    """The menu: (preset, label), "custom" last (it takes the picked date-time)."""
    return list(PRESETS.items())


def resolve_snooze(choice: str, picked: str, *, workspace: Workspace) -> datetime:
    """The wake-up time for a submitted menu `choice`, at the moment of submission:
    a preset, or "custom" with `picked` (a `datetime-local` value in workspace time,
    or an ISO 8601 time with its zone). A time posted as the choice itself (clients
    that skip the menu) counts as picked."""
    choice = (choice or "").strip()
    if choice in PRESETS and choice != "custom":
        return snooze_until(choice, workspace=workspace, now=timezone.now())
    raw = (picked or "").strip() if choice in ("", "custom") else choice
    if not raw:
        raise ValidationError("Pick when the ticket should come back.")
    try:
        custom = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            "Pick a date and time for the snooze to end (YYYY-MM-DDTHH:MM)."
        ) from None
    if timezone.is_naive(custom):
        custom = custom.replace(tzinfo=workspace.tz)
    return snooze_until(
        "custom", workspace=workspace, now=timezone.now(), custom=custom
    )
