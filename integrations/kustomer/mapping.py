"""Our statuses and priorities in Kustomer's terms and back (DESIGN §6).

Kustomer's priority is natively 1 (lowest) to 5 (highest), like ours. Its statuses
are open, snoozed and done; our exact status travels in a marker tag."""

STATUS_TO_REMOTE = {
    "open": "open",
    "in_progress": "open",
    "waiting_on_contact": "snoozed",
    "resolved": "done",
    "closed": "done",
    "archived": "done",
}
STATUS_FROM_REMOTE = {
    "open": "open",
    "snoozed": "waiting_on_contact",
    "done": "resolved",
}


def status_to_remote(status: str) -> str:
    return STATUS_TO_REMOTE[status]


def status_from_remote(remote: str, marker: str | None = None) -> str:
    if marker in STATUS_TO_REMOTE and STATUS_TO_REMOTE[marker] == remote:
        return marker
    return STATUS_FROM_REMOTE.get(remote, "open")


def priority_to_remote(priority: int) -> int:
    return int(priority)


def priority_from_remote(remote, marker: int | None = None) -> int:
    try:
        value = int(remote)
    except (TypeError, ValueError):
        return 3
    return value if 1 <= value <= 5 else 3
