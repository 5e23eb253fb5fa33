"""Who else has a ticket open: "Olivia is viewing / replying" on the panel.

Each agent's panel sends a heartbeat with the live-update poll
(tickets.ui.views.live); the heartbeats of one ticket are kept in one cache entry
(Django's cache: Redis with REDIS_URL, else the per-process LocMem cache) that
expires TTL seconds after the last of them, and an agent whose heartbeat is older
than TTL is no longer listed. A page that is left (closed, reloaded, navigated
away, or its panel switched to another ticket) says so with a beacon (`leave`), so
the others stop seeing the agent at their next poll rather than TTL later. Two
heartbeats racing on the entry may drop one of them for one poll; the next poll
puts it back.
"""

import time

from django.core.cache import cache

TTL = 10  # seconds: three missed polls (POLL_SECONDS = 3) and the agent is gone
STATES = ("viewing", "replying")


def _key(workspace_id: int, number: int) -> str:
    return f"presence:{workspace_id}:{number}"


def _fresh(entries: dict, now: float) -> dict:
    return {uid: e for uid, e in entries.items() if now - e["at"] < TTL}


def beat(
    workspace_id: int, number: int, user, state: str, now: float | None = None
) -> None:
    """Record that `user` has ticket `number` open (`state`: viewing or replying)."""
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


def leave(workspace_id: int, number: int, user, now: float | None = None) -> None:
    """`user` no longer has ticket `number` open."""
    now = time.time() if now is None else now
    key = _key(workspace_id, number)
    entries = _fresh(cache.get(key) or {}, now)
    if entries.pop(str(user.pk), None) is None:
        return
    if entries:
        cache.set(key, entries, timeout=TTL)
    else:
        cache.delete(key)
