"""Our statuses and priorities in Gorgias's terms and back (DESIGN §6).

Gorgias has only open and closed (a snoozed ticket is closed with a snooze date); our
exact status travels in a marker tag so a round trip loses nothing."""

STATUS_TO_REMOTE = {
    "open": "open",
    "in_progress": "open",
    "waiting_on_contact": "open",
    "resolved": "closed",
    "closed": "closed",
    "archived": "closed",
}
STATUS_FROM_REMOTE = {"open": "open", "closed": "resolved"}
PRIORITY_TO_REMOTE = {1: "low", 2: "low", 3: "normal", 4: "high", 5: "critical"}
PRIORITY_FROM_REMOTE = {"low": 2, "normal": 3, "high": 4, "critical": 5, "urgent": 5}


def status_to_remote(status: str) -> str:
    return STATUS_TO_REMOTE[status]


def status_from_remote(
    remote: str, marker: str | None = None, snoozed: bool = False
) -> str:
    if marker in STATUS_TO_REMOTE and STATUS_TO_REMOTE[marker] == remote:
        return marker
    if remote == "closed" and snoozed:
        return "waiting_on_contact"
    return STATUS_FROM_REMOTE.get(remote, "open")


def priority_to_remote(priority: int) -> str:
    return PRIORITY_TO_REMOTE[priority]


def priority_from_remote(remote: str | None, marker: int | None = None) -> int:
    if marker in PRIORITY_TO_REMOTE and PRIORITY_TO_REMOTE[marker] == remote:
        return marker
    return PRIORITY_FROM_REMOTE.get(remote or "", 3)
