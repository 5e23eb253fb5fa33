"""What a platform says, fitted to our limits before it is applied.

A signed webhook is the platform's word: a value over one of our limits (a subject
over 200 characters, a tag over 50, tags sent as one string, a subject that is not
a string, NULs) is normalised or cut, with a warning kept on the event's record,
never refused (a refusal is redelivered forever and the ticket stops syncing).
"""

import re
from dataclasses import replace
from datetime import datetime

from helpdesk.lib.parsing import strip_text
from integrations.base import RemoteTicket

SUBJECT_LIMIT = 200  # tickets.Ticket.SUBJECT_MAX_LENGTH
TAG_LIMIT = 50  # tickets.Tag.name
MAX_TAGS = 100
ID_LIMIT = 100  # ExternalLink.remote_id
URL_LIMIT = 500  # ExternalLink.remote_url
EVENT_ID_LIMIT = 200  # WebhookEvent.event_id


def _text(value, name: str, limit: int, warnings: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        warnings.append(f"{name}: a {type(value).__name__}, not text; ignored.")
        return None
    if not isinstance(value, str):
        warnings.append(f"{name}: a number, taken as text.")
    text = strip_text(str(value))
    if len(text) != len(str(value)):
        warnings.append(f"{name}: NULs or lone surrogates removed.")
    if len(text) > limit:
        warnings.append(f"{name}: {len(text)} characters, cut to {limit}.")
        text = text[:limit]
    return text


def _tags(value, warnings: list[str]) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        warnings.append("tags: one string, split on commas and spaces.")
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list | tuple):
        warnings.append(f"tags: a {type(value).__name__}, not a list; ignored.")
        return None
    if len(value) > MAX_TAGS:
        warnings.append(f"tags: {len(value)} tags, the first {MAX_TAGS} kept.")
        value = value[:MAX_TAGS]
    tags = [_text(tag, "tag", TAG_LIMIT, warnings) for tag in value]
    return [tag for tag in tags if tag]


def fit_raw(payload, warnings: list[str]) -> None:
    """Before any platform's mapping reads the event: every `tags` sent as one
    string becomes a list (split on commas and spaces). Iterative, in place."""
    stack = [payload]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if key == "tags" and isinstance(value, str):
                warnings.append("tags: one string, split on commas and spaces.")
                node[key] = [part for part in re.split(r"[,\s]+", value) if part]
            elif isinstance(value, dict | list):
                stack.append(value)


def normalise_remote(remote: RemoteTicket) -> tuple[RemoteTicket, list[str]]:
    """`remote` within our limits, and a warning for each value changed."""
    warnings: list[str] = []
    priority = remote.priority
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int)
    ):
        warnings.append("priority: not a number we map; ignored.")
        priority = None
    updated_at = remote.updated_at if isinstance(remote.updated_at, datetime) else None
    if remote.updated_at is not None and updated_at is None:
        warnings.append("updated_at: unreadable; ignored.")
    fitted = replace(
        remote,
        remote_id=_text(remote.remote_id, "id", ID_LIMIT, warnings) or "",
        url=_text(remote.url, "url", URL_LIMIT, warnings) or "",
        subject=_text(remote.subject, "subject", SUBJECT_LIMIT, warnings),
        status=_text(remote.status, "status", 30, warnings),
        priority=priority,
        assignee_id=_text(remote.assignee_id, "assignee", ID_LIMIT, warnings),
        tags=_tags(remote.tags, warnings),
        external_id=_text(remote.external_id, "external_id", ID_LIMIT, warnings) or "",
        updated_at=updated_at,
        remote_status=_text(remote.remote_status, "status", 50, warnings) or "",
    )
    return fitted, warnings


def event_id(value) -> str:
    return strip_text(str(value))[:EVENT_ID_LIMIT]
