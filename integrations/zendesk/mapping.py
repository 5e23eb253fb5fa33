"""Our statuses and priorities in Zendesk's terms and back (DESIGN §6).

Zendesk has fewer values than we do; the lossy ones are exact again on the way back
because our own value travels in a marker tag (see base.marker_tags)."""

STATUS_TO_REMOTE = {
    "open": "open",
    "in_progress": "open",
    "waiting_on_contact": "pending",
    "resolved": "solved",
    "closed": "closed",
    "archived": "closed",
}
STATUS_FROM_REMOTE = {
    "new": "open",
    "open": "open",
    "pending": "waiting_on_contact",
    "hold": "in_progress",
    "solved": "resolved",
    "closed": "closed",
}
PRIORITY_TO_REMOTE = {1: "low", 2: "low", 3: "normal", 4: "high", 5: "urgent"}
PRIORITY_FROM_REMOTE = {"low": 2, "normal": 3, "high": 4, "urgent": 5}


def status_to_remote(status: str) -> str:
    return STATUS_TO_REMOTE[status]


def status_from_remote(remote: str, marker: str | None = None) -> str:
    if marker in STATUS_TO_REMOTE and STATUS_TO_REMOTE[marker] == remote:
        return marker
    return STATUS_FROM_REMOTE.get(remote, "open")


def priority_to_remote(priority: int) -> str:
    return PRIORITY_TO_REMOTE[priority]


def priority_from_remote(remote: str | None, marker: int | None = None) -> int:
    if marker in PRIORITY_TO_REMOTE and PRIORITY_TO_REMOTE[marker] == remote:
        return marker
    return PRIORITY_FROM_REMOTE.get(remote or "", 3)
