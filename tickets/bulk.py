"""Bulk actions on a selection of tickets: by numbers / refs or by "everything matching
these filters" (TicketFilterSet), all in one transaction.

Status changes (status, complete, incomplete) go through
`services.tickets_change_status`, which moves the whole selection in a few statements;
every other action puts each ticket through the same service as a single edit, inside
its own savepoint. Either way each ticket gets its event, history row, state-machine
check and the SLA / sync hooks of `events.record_many`, and a ticket that is refused
(say, an invalid transition) is reported with the reason while the others are
applied. Problems with the request itself (an unknown action, a non-member assignee, a
number that is not in the workspace) refuse the whole request with field errors before
anything is written.

The API, the agent UI's bulk bar and admin actions all call `ticket_bulk`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from helpdesk.lib.errors import DomainError, PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import member_get
from tickets import services, workflow
from tickets.models import Ticket
from tickets.refs import parse_ref

User = get_user_model()

MAX_BULK_TICKETS = 1000


class Action:
    """The bulk actions and the parameter each one takes."""

    STATUS = "status"  # params: {"status": "<status>", "comment": optional}
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    ASSIGN = "assign"  # params: {"assignee": <user id> | null}
    PRIORITY = "priority"  # params: {"priority": 1-5}
    ADD_TAGS = "add_tags"  # params: {"tags": ["a", "b"]}
    REMOVE_TAGS = "remove_tags"  # params: {"tags": ["a", "b"]}
    SNOOZE = "snooze"  # params: {"until": "<ISO datetime with zone>"}
    UNSNOOZE = "unsnooze"
    DELETE = "delete"

    ALL = (
        STATUS,
        COMPLETE,
        INCOMPLETE,
        ASSIGN,
        PRIORITY,
        ADD_TAGS,
        REMOVE_TAGS,
        SNOOZE,
        UNSNOOZE,
        DELETE,
    )
    # The permission each action needs (helpdesk.permissions).
    PERMISSION = {DELETE: "ticket.delete"}


@dataclass
class BulkResult:
    """What happened to each selected ticket."""

    action: str
    applied: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "applied": self.applied,
            "refused": self.refused,
            "applied_count": len(self.applied),
            "refused_count": len(self.refused),
        }


def _rows(queryset):
    """The selected tickets without the list's prefetches (tags, clocks, links):
    every action locks and reads each ticket again."""
    return queryset.prefetch_related(None)


def select_by_refs(queryset, refs: Iterable[Any], *, prefix: str) -> list[Ticket]:
    """The tickets of `queryset` (already scoped) named by `refs`, in the given order.

    Raises ValidationError({"tickets": [...]}) naming refs that are malformed or not
    in the workspace, without saying whether they exist elsewhere.
    """
    numbers: list[int] = []
    bad: list[str] = []
    for ref in refs:
        try:
            number = parse_ref(str(ref), prefix)
        except ValueError:
            bad.append(str(ref))
            continue
        if number not in numbers:
            numbers.append(number)
    if bad:
        raise ValidationError(
            {"tickets": [f"Not ticket references: {', '.join(bad[:20])}."]}
        )
    if not numbers:
        raise ValidationError({"tickets": ["Select at least one ticket."]})
    if len(numbers) > MAX_BULK_TICKETS:
        raise ValidationError(
            {"tickets": [f"At most {MAX_BULK_TICKETS} tickets at a time."]}
        )
    found = {t.number: t for t in _rows(queryset).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ValidationError(
            {
                "tickets": [
                    "No such tickets in this workspace: "
                    + ", ".join(f"{prefix}-{n}" for n in missing[:20])
                    + "."
                ]
            }
        )
    return [found[n] for n in numbers]


def select_by_filters(filterset) -> list[Ticket]:
    """All tickets matching a bound, valid TicketFilterSet (up to MAX_BULK_TICKETS)."""
    if not filterset.is_valid():
        raise ValidationError(
            {
                f"filters.{name}": [str(m) for m in messages]
                for name, messages in filterset.errors.items()
            }
        )
    tickets = list(_rows(filterset.qs)[: MAX_BULK_TICKETS + 1])
    if len(tickets) > MAX_BULK_TICKETS:
        raise ValidationError(
            {
                "filters": [
                    f"More than {MAX_BULK_TICKETS} tickets match; narrow the filters."
                ]
            }
        )
    return tickets


def _parse_until(value: Any) -> datetime:
    try:
        until = (
            value if isinstance(value, datetime) else parse_datetime(str(value or ""))
        )
    except ValueError:  # well formed but impossible, like month 13
        until = None
    if until is None:
        raise ValidationError({"until": ["Give an ISO 8601 date and time."]})
    return until


# Actions that move tickets along the state machine: applied to the whole selection
# in a few statements (tickets.services.tickets_change_status).
STATUS_ACTIONS = (Action.STATUS, Action.COMPLETE, Action.INCOMPLETE)


def _status_move(action: str, params: dict[str, Any]) -> tuple[str, str]:
    """The status a status action moves tickets to, and its optional comment."""
    if action == Action.COMPLETE:
        return workflow.Status.RESOLVED, ""
    if action == Action.INCOMPLETE:
        return workflow.Status.OPEN, ""
    to = params.get("status")
    if to not in workflow.Status.values:
        raise ValidationError(
            {
                "status": [
                    f"Unknown status {to!r}; choose one of "
                    f"{', '.join(workflow.Status.values)}."
                ]
            }
        )
    return to, str(params.get("comment") or "")


def _operation(
    membership: Membership, action: str, params: dict[str, Any]
) -> Callable[[Ticket, Any], Any]:
    """Check the parameters once and return what to do to each ticket."""
    workspace = membership.workspace
    if action == Action.ASSIGN:
        if "assignee" not in params:
            raise ValidationError({"assignee": ["Give a member id or null."]})
        assignee = None
        raw = params["assignee"]
        if raw is not None:
            assignee = member_get(workspace, user_id=raw)
            if assignee is None:
                raise ValidationError(
                    {"assignee": ["No member with that id in this workspace."]}
                )
        return lambda t, actor: services.ticket_assign(
            ticket=t, assignee=assignee, actor=actor
        )
    if action == Action.PRIORITY:
        priority = params.get("priority")
        if isinstance(priority, bool) or priority not in Ticket.Priority.values:
            raise ValidationError(
                {"priority": ["Priority must be a whole number from 1 to 5."]}
            )
        return lambda t, actor: services.ticket_set_priority(
            ticket=t, priority=priority, actor=actor
        )
    if action in (Action.ADD_TAGS, Action.REMOVE_TAGS):
        tags = params.get("tags")
        if not isinstance(tags, list) or not tags:
            raise ValidationError({"tags": ["Give a list of tag names."]})
        names = services.normalize_tag_names(tags)
        key = "add" if action == Action.ADD_TAGS else "remove"
        return lambda t, actor: services.ticket_set_tags(
            ticket=t, actor=actor, **{key: names}
        )
    if action == Action.SNOOZE:
        until = _parse_until(params.get("until"))
        return lambda t, actor: services.ticket_snooze(
            ticket=t, until=until, actor=actor
        )
    if action == Action.UNSNOOZE:
        return lambda t, actor: services.ticket_unsnooze(ticket=t, actor=actor)
    if action == Action.DELETE:
        return lambda t, actor: services.ticket_delete(ticket=t, actor=actor)
    raise ValidationError(
        {
            "action": [
                f"Unknown action {action!r}; choose one of {', '.join(Action.ALL)}."
            ]
        }
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
        return " ".join(exc.messages)
    raise exc


def ticket_bulk(
    *,
    membership: Membership,
    action: str,
    tickets: list[Ticket],
    params: dict[str, Any] | None = None,
) -> BulkResult:
    """Apply `action` to `tickets` (selected with `select_by_refs` or
    `select_by_filters`) as `membership`'s user, in one transaction.

    Refusals of single tickets (state machine, snooze rules) are listed per ticket;
    anything else that fails rolls the whole batch back.
    """
    if action not in Action.ALL:
        raise ValidationError(
            {
                "action": [
                    f"Unknown action {action!r}; choose one of {', '.join(Action.ALL)}."
                ]
            }
        )
    permission = Action.PERMISSION.get(action, "ticket.bulk")
    if not can(membership, permission):
        raise PermissionDenied(f"Your role may not {action.replace('_', ' ')} tickets.")
    actor = membership.user
    result = BulkResult(action=action)
    if action in STATUS_ACTIONS:
        to, comment = _status_move(action, params or {})
        refused = services.tickets_change_status(
            tickets=tickets, to=to, actor=actor, comment=comment
        )
        for ticket in tickets:
            outcome = {"ref": ticket.ref, "number": ticket.number}
            if ticket.pk in refused:
                result.refused.append({**outcome, "reason": refused[ticket.pk]})
            else:
                result.applied.append(outcome)
        return result
    operation = _operation(membership, action, params or {})
    with transaction.atomic():
        for ticket in tickets:
            ref = ticket.ref
            try:
                with transaction.atomic():
                    operation(ticket, actor)
            except (DomainError, ValidationError) as exc:
                result.refused.append(
                    {"ref": ref, "number": ticket.number, "reason": _reason(exc)}
                )
            else:
                result.applied.append({"ref": ref, "number": ticket.number})
    return result
