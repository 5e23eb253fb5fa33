"""What every ticket service shares: the editable fields, the checks on their values,
the row lock and the save that writes the history row."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F

from helpdesk.actors import Actor, actor_label, actor_user
from helpdesk.lib.errors import StaleVersion
from helpdesk.models import Contact, Membership, Team, Workspace
from tickets import workflow
from tickets.models import Conversation, EscalationRule, Label, Ticket, TicketEvent

User = get_user_model()


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# Fields an edit may change, grouped by the timeline event each kind of change writes.
EVENT_FOR_FIELD = {
    "priority": TicketEvent.Kind.PRIORITY_CHANGED,
    "assignee": TicketEvent.Kind.ASSIGNED,
    "team": TicketEvent.Kind.TEAM_CHANGED,
    "label": TicketEvent.Kind.LABEL_CHANGED,
}
METADATA_FIELDS = (
    "subject",
    "content",
    "summary",
    "summary_by",
    "topic",
    "intent",
    "channel",
    "question",
    "answer",
    "ai_raw_response",
    "confidence",
    "governance_reason",
    "requester",
)
EDITABLE_FIELDS = frozenset(METADATA_FIELDS) | frozenset(EVENT_FOR_FIELD)
TEXT_LIMITS = {"topic": 100, "intent": 100, "channel": 50, "governance_reason": 300}
MAX_TEXT = 100_000
MAX_TAG_LENGTH = 50


# --- validation ---


def _check_values(workspace: Workspace, values: dict[str, Any]) -> dict[str, Any]:
    """Normalised values, or ValidationError naming every bad field. Writes nothing."""
    errors: dict[str, list[str]] = {}
    clean = dict(values)
    if "subject" in values:
        subject = (values["subject"] or "").strip()
        if not subject:
            errors["subject"] = ["The subject cannot be empty."]
        elif len(subject) > Ticket.SUBJECT_MAX_LENGTH:
            errors["subject"] = [
                f"The subject is {len(subject)} characters; "
                f"the limit is {Ticket.SUBJECT_MAX_LENGTH}."
            ]
        clean["subject"] = subject
    if "priority" in values:
        priority = values["priority"]
        if isinstance(priority, bool) or not isinstance(priority, int):
            try:
                priority = int(str(priority))
            except ValueError:
                priority = None
        if priority not in Ticket.Priority.values:
            errors["priority"] = [
                "Priority must be a whole number from 1 to 5, "
                f"got {values['priority']!r}."
            ]
        clean["priority"] = priority
    if "status" in values and values["status"] not in workflow.Status.values:
        errors["status"] = [
            f"Unknown status {values['status']!r}; "
            f"choose one of {', '.join(workflow.Status.values)}."
        ]
    if values.get("confidence") is not None:
        confidence = values["confidence"]
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int)
            or not (0 <= confidence <= 100)
        ):
            errors["confidence"] = ["Confidence must be a whole number from 0 to 100."]
    for name, limit in TEXT_LIMITS.items():
        if name in values and len(values[name] or "") > limit:
            errors[name] = [f"At most {limit} characters."]
    for name in ("content", "summary", "question", "answer", "ai_raw_response"):
        if name in values and len(values[name] or "") > MAX_TEXT:
            errors[name] = [f"At most {MAX_TEXT} characters."]
    if values.get("assignee") is not None:
        assignee = values["assignee"]
        if not Membership.objects.filter(user=assignee, workspace=workspace).exists():
            errors["assignee"] = ["The assignee is not a member of this workspace."]
    for name, model in (
        ("team", Team),
        ("label", Label),
        ("requester", Contact),
        ("primary_conversation", Conversation),
        ("escalation_rule", EscalationRule),
    ):
        obj = values.get(name)
        if obj is not None and (
            not isinstance(obj, model) or obj.workspace_id != workspace.pk
        ):
            errors[name] = [
                f"That {name.replace('_', ' ')} does not exist in this workspace."
            ]
    if errors:
        raise ValidationError(errors)
    return clean


def _display(value: Any) -> Any:
    """A JSON-friendly value for the event log."""
    if value is None or isinstance(value, str | int | float | bool):
        if isinstance(value, str) and len(value) > 500:
            return value[:500] + "…"
        return value
    if isinstance(value, User):
        return {"id": value.pk, "name": actor_label(value)}
    if isinstance(value, Label):
        return {"id": value.pk, "name": value.path}
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    return str(value)


# --- the row lock and the save ---


# What a locked ticket is read with: the relations its events and hooks show.
LOCKED_WITH = ("workspace", "assignee", "team", "label__parent", "requester")


def _lock(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    locked = (
        # of=("self",): lock only the ticket row; PostgreSQL cannot lock the
        # nullable side of the outer joins that load its relations.
        Ticket.objects.select_for_update(of=("self",))
        .select_related(*LOCKED_WITH)
        .get(pk=ticket.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"{locked.ref} was changed by someone else (now version {locked.version}, "
            f"you edited version {expected_version}). Reload it and try again."
        )
    return locked


def _save(
    ticket: Ticket, actor: Actor | None, fields: Iterable[str], reason: str, bump=True
) -> None:
    """Save `fields`, bump the version, and leave a history row naming the actor."""
    ticket._history_user = actor_user(actor)
    ticket._change_reason = reason[:100]
    update_fields = {*fields, "updated_at"}
    if bump:
        ticket.version = F("version") + 1
        update_fields.add("version")
    ticket.save(update_fields=update_fields)
    if bump:
        ticket.refresh_from_db(fields=["version"])
