"""What every ticket service shares: the editable fields, the checks on their values,
the row lock and the save that writes the history row."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F

from helpdesk.actors import Actor, actor_label, actor_user
from helpdesk.lib.errors import StaleVersion
from helpdesk.models import Contact, Team, Workspace
from helpdesk.tenancy import member_get
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
MAX_TEXT = 100_000
MAX_TAG_LENGTH = 50


# --- validation ---


# Checked by the model's own field validators (lengths, choices, ranges).
MODEL_CHECKED = (
    "subject",
    "summary_by",
    "status",
    "priority",
    "topic",
    "intent",
    "confidence",
    "channel",
    "governance_reason",
)
# Unbounded in the model (TextField): the service's limit.
LONG_TEXT = ("content", "summary", "question", "answer", "ai_raw_response")
# Related rows that must belong to the ticket's workspace.
SCOPED = {
    "team": Team,
    "label": Label,
    "requester": Contact,
    "primary_conversation": Conversation,
    "escalation_rule": EscalationRule,
}


def _check_values(workspace: Workspace, values: dict[str, Any]) -> dict[str, Any]:
    """Normalised values, or ValidationError naming every bad field. Writes nothing.

    The surfaces validate their input first (API serializers, forms, the importer's
    row form); this is the invariant every write keeps whatever its caller: the
    model's own field validators, the text limit the model cannot state, and that
    no related row of another workspace is ever accepted.
    """
    clean = dict(values)
    if "subject" in clean:
        clean["subject"] = (clean["subject"] or "").strip()
    errors = _model_errors(clean)
    for name in LONG_TEXT:
        if len(clean.get(name) or "") > MAX_TEXT:
            errors[name] = [f"At most {MAX_TEXT} characters."]
    errors.update(_scope_errors(workspace, clean))
    if errors:
        raise ValidationError(errors)
    return clean


def _model_errors(clean: dict[str, Any]) -> dict[str, list[str]]:
    """Ticket.clean_fields on the given plain fields (no query); their cleaned
    values (e.g. "4" -> 4) are written back into `clean`."""
    names = [name for name in MODEL_CHECKED if name in clean]
    errors = {
        name: ["Give a whole number."]
        for name in ("priority", "confidence")
        if isinstance(clean.get(name), bool)
    }
    probe = Ticket(**{name: clean[name] for name in names})
    try:
        probe.clean_fields(
            exclude=[f.name for f in Ticket._meta.fields if f.name not in names]
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    clean.update({name: getattr(probe, name) for name in names})
    return errors


def _scope_errors(workspace: Workspace, clean: dict[str, Any]) -> dict[str, list[str]]:
    errors = {}
    assignee = clean.get("assignee")
    if assignee is not None and member_get(workspace, user=assignee) is None:
        errors["assignee"] = ["The assignee is not a member of this workspace."]
    for name, model in SCOPED.items():
        obj = clean.get(name)
        if obj is not None and (
            not isinstance(obj, model) or obj.workspace_id != workspace.pk
        ):
            errors[name] = [
                f"That {name.replace('_', ' ')} does not exist in this workspace."
            ]
    return errors


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
