"""The one edit path: apply a set of changes to a ticket.

Every surface that edits a ticket (the agent UI, the API, the admin, the CSV
importer, the sync pull) calls `ticket_update`: fields, priority, assignee, team,
label, requester and tags change together, in one transaction, with one history row
and the same timeline events whichever surface made them.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.actors import Actor
from helpdesk.models import Team
from tickets import events
from tickets.models import Label, Ticket, TicketEvent
from tickets.services._common import (
    EDITABLE_FIELDS,
    EVENT_FOR_FIELD,
    _check_values,
    _display,
    _lock,
    _save,
)
from tickets.services.tags import tags_apply, tags_diff


def ticket_update(
    *,
    ticket: Ticket,
    actor: Actor | None,
    changes: dict[str, Any],
    tags: Iterable[str] | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    expected_version: int | None = None,
    event_data: dict[str, Any] | None = None,
) -> Ticket:
    """Change plain fields, priority, assignee, team, label, requester and tags.

    `tags` is the wanted set of tag names (None: leave the tags alone); or give
    `add_tags` / `remove_tags`. Names are normalised (normalize_tag_names) and new
    tags made on the fly. Writes one history row, and one event per kind of change
    (priority, assignment, team, label, tags; the remaining fields together as
    "metadata updated"). Fields whose value does not change are ignored; nothing
    changing writes nothing. `event_data` is added to every field event written
    (e.g. `{"via": "routing"}`).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            {name: ["This field cannot be edited."] for name in unknown}
        )
    values = _check_values(ticket.workspace, changes)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        diffs = {
            name: (getattr(ticket, name), new)
            for name, new in values.items()
            if getattr(ticket, name) != new
        }
        added, removed = tags_diff(
            ticket, wanted=tags, add=add_tags, remove=remove_tags
        )
        if not diffs and not added and not removed:
            return ticket
        for name, (_old, new) in diffs.items():
            setattr(ticket, name, new)
        reasons = ["changed " + ", ".join(sorted(diffs))] if diffs else []
        if added or removed:
            reasons.append(tags_apply(ticket, added, removed))
        _save(ticket, actor, diffs, reason="; ".join(reasons))
        _record_changes(ticket, actor, diffs, dict(event_data or {}))
        if added or removed:
            events.record(
                ticket,
                TicketEvent.Kind.TAGS_CHANGED,
                actor,
                added=added,
                removed=removed,
            )
    return ticket


def _record_changes(
    ticket: Ticket, actor: Actor | None, diffs: dict[str, tuple], extra: dict
) -> None:
    """One event per kind of field change; the plain fields as "metadata updated"."""
    metadata = {}
    for name, (old, new) in diffs.items():
        if name in EVENT_FOR_FIELD:
            events.record(
                ticket,
                EVENT_FOR_FIELD[name],
                actor,
                old=_display(old),
                new=_display(new),
                **extra,
            )
        else:
            metadata[name] = {"old": _display(old), "new": _display(new)}
    if metadata:
        events.record(
            ticket, TicketEvent.Kind.METADATA_UPDATED, actor, fields=metadata, **extra
        )


# --- one change at a time: the same path ---


def ticket_assign(*, ticket: Ticket, assignee, actor: Actor | None, **kw) -> Ticket:
    return ticket_update(
        ticket=ticket, actor=actor, changes={"assignee": assignee}, **kw
    )


def ticket_set_priority(
    *, ticket: Ticket, priority: int, actor: Actor | None, **kw
) -> Ticket:
    return ticket_update(
        ticket=ticket, actor=actor, changes={"priority": priority}, **kw
    )


def ticket_set_team(
    *, ticket: Ticket, team: Team | None, actor: Actor | None, **kw
) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, changes={"team": team}, **kw)


def ticket_set_label(
    *, ticket: Ticket, label: Label | None, actor: Actor | None, **kw
) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, changes={"label": label}, **kw)


def ticket_set_tags(
    *,
    ticket: Ticket,
    actor: Actor | None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> Ticket:
    """Add and remove tags (made on the fly); one "tags changed" event."""
    return ticket_update(
        ticket=ticket, actor=actor, changes={}, add_tags=add, remove_tags=remove
    )
