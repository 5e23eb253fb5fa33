"""The one edit path: apply a set of changes to a ticket.

Every surface that edits a ticket (the agent UI, the API, the admin, the CSV
importer, the sync pull) calls `ticket_update`: fields, priority, assignee, team,
label, requester and tags change together, in one transaction, with one history row
and the same timeline events whichever surface made them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.actors import Actor, actor_label
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
from tickets.services.status import _move
from tickets.services.tags import tags_apply, tags_diff


def ticket_update(
    *,
    ticket: Ticket,
    actor: Actor | None,
    changes: dict[str, Any],
    status: str | None = None,
    tags: Iterable[str] | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    expected_version: int | None = None,
    event_data: dict[str, Any] | None = None,
) -> Ticket:
    """Change plain fields, priority, assignee, team, label, requester, the status
    and the tags.

    `status` moves the ticket along the state machine (InvalidTransition otherwise,
    and nothing is written), as ticket_change_status does. `tags` is the wanted set
    of tag names (None: leave the tags alone); or give `add_tags` / `remove_tags`.
    Names are normalised (normalize_tag_names) and new tags made on the fly. Writes
    one history row, and one event per kind of change (priority, assignment, team,
    label, status, tags; the remaining fields together as "metadata updated").
    Values that do not change are ignored; nothing changing writes nothing.
    `event_data` is added to every field event written (e.g. `{"via": "routing"}`).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            {name: ["This field cannot be edited."] for name in unknown}
        )
    values = _check_values(ticket.workspace, changes)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        edit = _Edit(
            diffs={
                name: (getattr(ticket, name), new)
                for name, new in values.items()
                if getattr(ticket, name) != new
            },
            old_status=ticket.status,
            status=status if status and status != ticket.status else None,
        )
        if "summary" in edit.diffs and "summary_by" not in changes and actor:
            # A person rewriting the summary becomes its author.
            author = actor_label(actor)[
                : Ticket._meta.get_field("summary_by").max_length
            ]
            if author != ticket.summary_by:
                edit.diffs["summary_by"] = (ticket.summary_by, author)
        edit.added, edit.removed = tags_diff(
            ticket, wanted=tags, add=add_tags, remove=remove_tags
        )
        if edit.is_empty():
            return ticket
        fields, reason = edit.apply(ticket)
        _save(ticket, actor, fields, reason=reason)
        edit.record(ticket, actor, dict(event_data or {}))
    return ticket


@dataclass
class _Edit:
    """What one ticket_update changes on the locked ticket."""

    diffs: dict[str, tuple[Any, Any]]
    old_status: str
    status: str | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.diffs or self.status or self.added or self.removed)

    def apply(self, ticket: Ticket) -> tuple[list[str], str]:
        """Change the ticket (tags are written at once): fields to save, reason."""
        for name, (_old, new) in self.diffs.items():
            setattr(ticket, name, new)
        fields = list(self.diffs)
        reasons = ["changed " + ", ".join(sorted(self.diffs))] if self.diffs else []
        if self.status:
            fields += _move(ticket, self.status, timezone.now())[1]
            reasons.append(f"status {self.old_status} -> {self.status}")
        if self.added or self.removed:
            reasons.append(tags_apply(ticket, self.added, self.removed))
        return fields, "; ".join(reasons)

    def record(self, ticket: Ticket, actor: Actor | None, extra: dict) -> None:
        """The timeline events, in the order fields, status, tags."""
        _record_changes(ticket, actor, self.diffs, extra)
        if self.status:
            events.record(
                ticket,
                TicketEvent.Kind.STATUS_CHANGED,
                actor,
                old=self.old_status,
                new=self.status,
                comment="",
            )
        if self.added or self.removed:
            events.record(
                ticket,
                TicketEvent.Kind.TAGS_CHANGED,
                actor,
                added=self.added,
                removed=self.removed,
            )


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
