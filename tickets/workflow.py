"""The ticket status state machine: pure data and checks, no database.

DESIGN §3: active statuses move freely among themselves and to resolved or closed;
resolved can reopen, close or archive; closed archives; archived unarchives to closed.
"""

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from django.db import models

from helpdesk.lib.errors import InvalidTransition


class Status(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In Progress"
    WAITING_ON_CONTACT = "waiting_on_contact", "Waiting on Contact"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    ARCHIVED = "archived", "Archived"


ACTIVE_STATUSES = frozenset(
    {Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CONTACT}
)

# What a ticket may be created as: the rest is reached through transitions.
ACTIVE_CHOICES = [(s.value, s.label) for s in Status if s in ACTIVE_STATUSES]

TRANSITIONS: dict[str, frozenset[str]] = {
    **{
        active: (ACTIVE_STATUSES - {active}) | {Status.RESOLVED, Status.CLOSED}
        for active in ACTIVE_STATUSES
    },
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED, Status.ARCHIVED}),
    Status.CLOSED: frozenset({Status.ARCHIVED}),
    Status.ARCHIVED: frozenset({Status.CLOSED}),
}

# Badge colours from the seeds (Open blue, In Progress amber, Waiting purple,
# Resolved green, Closed grey).
STATUS_COLOURS = {
    Status.OPEN: "blue",
    Status.IN_PROGRESS: "amber",
    Status.WAITING_ON_CONTACT: "purple",
    Status.RESOLVED: "green",
    Status.CLOSED: "grey",
    Status.ARCHIVED: "grey",
}


# The colours a workspace may give its statuses (the badge classes of app.css).
COLOURS = ("blue", "amber", "purple", "green", "grey", "orange", "red")
STATUS_NAME_MAX_LENGTH = 40


DEFAULT_DISPLAY: Mapping[str, tuple[str, str]] = MappingProxyType(
    {status.value: (status.label, STATUS_COLOURS[status]) for status in Status}
)


def status_display(workspace) -> Mapping[str, tuple[str, str]]:
    """{status: (name, colour)} as the workspace shows them: its own names and
    colours (workspace.settings["statuses"]) over the defaults. The codes, the API
    and the workflow never change.

    Lists ask once per row and per badge, so the answer is kept on the workspace
    instance for as long as its settings are the same object (the statuses
    service assigns new settings); a workspace with no names of its own costs
    nothing."""
    custom = (workspace.settings or {}).get("statuses") or {}
    if not custom:
        return DEFAULT_DISPLAY
    kept = workspace.__dict__.get("_status_display")
    if kept is not None and kept[0] is custom:
        return kept[1]
    shown = {}
    for status in Status:
        mine = custom.get(status.value) or {}
        name = str(mine.get("name") or "").strip()[:STATUS_NAME_MAX_LENGTH]
        colour = mine.get("colour")
        shown[status.value] = (
            name or status.label,
            colour if colour in COLOURS else STATUS_COLOURS[status],
        )
    workspace.__dict__["_status_display"] = (custom, shown)
    return shown


def label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return repr(status)


def allowed_next(status: str) -> list[str]:
    """The statuses a ticket in `status` may move to, in display order."""
    targets = TRANSITIONS.get(status, frozenset())
    return [s.value for s in Status if s in targets]


def check_transition(old: str, new: str) -> None:
    """Raise InvalidTransition (naming both statuses) unless old -> new is allowed."""
    if new not in Status.values:
        raise InvalidTransition(f"Unknown status {new!r}.", field="status")
    if old == new:
        raise InvalidTransition(
            f"The ticket is already {label(old)}; "
            f"cannot change status from {label(old)} to {label(new)}.",
            field="status",
        )
    if new not in TRANSITIONS.get(old, frozenset()):
        allowed = ", ".join(label(s) for s in allowed_next(old)) or "none"
        raise InvalidTransition(
            f"Cannot change status from {label(old)} to {label(new)} "
            f"(allowed from {label(old)}: {allowed}).",
            field="status",
        )


def timestamps_after(
    *,
    old: str,
    new: str,
    resolved_at: datetime | None,
    closed_at: datetime | None,
    now: datetime,
) -> tuple[datetime | None, datetime | None]:
    """resolved_at / closed_at after moving from `old` to `new`.

    Entering resolved sets resolved_at; going back to an active status clears it.
    Entering closed sets closed_at; going back to an active status clears it too.
    Archived tickets keep both, since archiving only hides them.
    """
    if new == Status.RESOLVED:
        resolved_at = now
    elif new in ACTIVE_STATUSES:
        resolved_at = None
    if new == Status.CLOSED and (old != Status.ARCHIVED or closed_at is None):
        closed_at = now  # unarchiving keeps the original closing time
    elif new in ACTIVE_STATUSES:
        closed_at = None
    return resolved_at, closed_at
