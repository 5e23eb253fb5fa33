"""Who else has a ticket open: "Olivia is viewing / replying" on the panel.

Each agent's panel sends a heartbeat with the live-update poll
(tickets.ui.views.live); the heartbeats of one ticket are kept in one cache entry
(Django's cache: Redis with REDIS_URL, else the per-process LocMem cache) that
expires TTL seconds after the last of them, and an agent whose heartbeat is older
than TTL is no longer listed. A page that is left (closed, reloaded, navigated
away, or its panel switched to another ticket) says so with a beacon (`leave`), so
the others stop seeing the agent at their next poll rather than TTL later. Two
heartbeats racing on the entry may drop one of them for one poll; the next poll
puts it back. A heartbeat of the left page still in flight after its beacon is
ignored (the page names itself), so it cannot bring the agent back.
"""

import time

from django.core.cache import cache

TTL = 10  # seconds: three missed polls (POLL_SECONDS = 3) and the agent is gone
STATES = ("viewing", "replying")


def _key(workspace_id: int, number: int) -> str:
    return f"presence:{workspace_id}:{number}"


def _fresh(entries: dict, now: float) -> dict:
    return {uid: e for uid, e in entries.items() if now - e["at"] < TTL}


def _left_key(workspace_id: int, number: int, user, page: str) -> str:
    return f"presence-left:{workspace_id}:{number}:{user.pk}:{page}"


def beat(
    workspace_id: int,
    number: int,
    user,
    state: str,
    now: float | None = None,
    page: str = "",
) -> None:
    """Record that `user` has ticket `number` open (`state`: viewing or replying);
    not for a page that has left it already."""
    if page and cache.get(_left_key(workspace_id, number, user, page)):
        return
    now = time.time() if now is None else now
    key = _key(workspace_id, number)
    entries = _fresh(cache.get(key) or {}, now)
    entries[str(user.pk)] = {
        "name": user.get_full_name() or user.get_username(),
        "state": state if state in STATES else "viewing",
        "at": now,
    }
    cache.set(key, entries, timeout=TTL)


def others(
    workspace_id: int, number: int, user, now: float | None = None
) -> list[dict]:
    """The other agents with the ticket open: name and state, by name."""
    now = time.time() if now is None else now
    entries = _fresh(cache.get(_key(workspace_id, number)) or {}, now)
    return sorted(
        (
            {"name": e["name"], "state": e["state"]}
            for uid, e in entries.items()
            if uid != str(user.pk)
        ),
        key=lambda e: (e["name"], e["state"]),
    )


def leave(
    workspace_id: int, number: int, user, now: float | None = None, page: str = ""
) -> None:
    """`user` no longer has ticket `number` open (in `page`, whose late heartbeats
    are then ignored)."""
    if page:
        cache.set(_left_key(workspace_id, number, user, page), True, timeout=TTL)
    now = time.time() if now is None else now
    key = _key(workspace_id, number)
    entries = _fresh(cache.get(key) or {}, now)
    if entries.pop(str(user.pk), None) is None:
        return
    if entries:
        cache.set(key, entries, timeout=TTL)
    else:
        cache.delete(key)
