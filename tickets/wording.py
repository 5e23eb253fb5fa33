"""Ticket activity and field history in words for the agent UI: labels instead of
codes ("In Progress", not "in_progress"), names instead of ids, times in the
workspace's time zone. The stored events and history keep their codes; only what
an agent reads is translated here."""

from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from tickets import workflow
from tickets.intake.summaries import LOCAL_SUMMARISER
from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind
STATUS_LABELS = dict(workflow.Status.choices)
PRIORITY_LABELS = {str(value): label for value, label in Ticket.Priority.choices}
# Fields whose stored code has a label on the model (status, priority, source).
CHOICE_LABELS = {
    field.name: {str(value): label for value, label in field.choices}
    for field in Ticket._meta.concrete_fields
    if field.choices
}
LOCAL_FORMAT = "%a %d %b %Y, %H:%M"
# Changes of one value: the labels of its codes, and the word for "no value".
CHANGE_LABELS = {
    Kind.STATUS_CHANGED: (STATUS_LABELS, "none"),
    Kind.PRIORITY_CHANGED: (PRIORITY_LABELS, "none"),
    Kind.ASSIGNED: (None, "nobody"),
}


def humanise(code: Any) -> str:
    """`web_chat` → "Web chat": for codes with no label of their own."""
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def summary_author(summary_by: str) -> str:
    """Who wrote a summary, in words: a summariser is stored by its dotted path
    (`tickets.intake.summaries.local_summary` → "the built-in summariser"), a
    person by name."""
    if "." not in summary_by:
        return summary_by
    if summary_by == LOCAL_SUMMARISER:
        return "the built-in summariser"
    return f"the summariser {humanise(summary_by.rsplit('.', 1)[-1]).lower()}"


def local_time(value: Any, tz) -> str:
    """A datetime or ISO 8601 string, shown in the workspace's time zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    return timezone.localtime(value, tz).strftime(LOCAL_FORMAT)


def _value(value: Any, *, labels: dict | None = None, empty: str = "none") -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or empty)
    if value is None or value == "":
        return empty
    if labels is not None:
        return labels.get(str(value), humanise(value))
    return str(value)


def event_words(event: TicketEvent, workspace) -> str:
    """What happened, after the event's title: "Open → In Progress", "until …",
    with the workspace's own status names and in its time zone."""
    tz = workspace.tz
    data = event.data if isinstance(event.data, dict) else {}
    kind = event.kind
    if kind in CHANGE_LABELS:
        labels, empty = CHANGE_LABELS[kind]
        if kind == Kind.STATUS_CHANGED:
            labels = _status_names(workspace)
        old = _value(data.get("old"), labels=labels, empty=empty)
        return f"{old} → {_value(data.get('new'), labels=labels, empty=empty)}"
    if kind == Kind.SNOOZED:
        return f"until {local_time(data.get('until'), tz)}"
    if kind in (Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.SLA_APPLIED):
        return _sla_words(data, tz)
    if kind == Kind.METADATA_UPDATED:
        fields = data.get("fields")
        if isinstance(fields, dict):
            return ", ".join(
                f"{humanise(name)}: {_value(value, labels=CHOICE_LABELS.get(name))}"
                for name, value in fields.items()
            )
        return ""
    if "old" in data and "new" in data:
        return f"{_value(data['old'])} → {_value(data['new'])}"
    return ""


def _sla_words(data: dict, tz) -> str:
    parts = []
    if data.get("policy"):
        parts.append(str(data["policy"]))
    if data.get("metric"):
        parts.append(humanise(data["metric"]))
    due = data.get("due_at") or data.get("due")
    if due and not isinstance(due, dict):
        parts.append(f"due {local_time(due, tz)}")
    return ", ".join(parts)


def history_in_words(entries: list[dict], workspace) -> list[dict]:
    """The History tab's entries with field labels, choice labels (the workspace's
    status names), names for ids (one query per kind of object referenced) and
    local times."""
    context = {
        "tz": workspace.tz,
        "names": _names_for(entries),
        "choices": {**CHOICE_LABELS, "status": _status_names(workspace)},
    }
    rows = []
    for entry in entries:
        changes = [
            {
                "field": _field_label(change["field"]),
                "old": _history_value(change["field"], change["old"], context),
                "new": _history_value(change["field"], change["new"], context),
            }
            for change in entry["changes"]
        ]
        at_local = local_time(entry["at"], workspace.tz)
        rows.append({**entry, "changes": changes, "at_local": at_local})
    return rows


def _status_names(workspace) -> dict[str, str]:
    return {
        code: name for code, (name, _) in workflow.status_display(workspace).items()
    }


def _field(name: str) -> models.Field | None:
    try:
        return Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(name: str) -> str:
    field = _field(name)
    return humanise(field.verbose_name if field is not None else name)


def _names_for(entries: list[dict]) -> dict[tuple[str, str], str]:
    """{(field, id): name} for every foreign key value in the entries."""
    wanted: dict[str, set] = {}
    for entry in entries:
        for change in entry["changes"]:
            field = _field(change["field"])
            if field is not None and field.is_relation and field.many_to_one:
                for value in (change["old"], change["new"]):
                    if value not in (None, ""):
                        wanted.setdefault(change["field"], set()).add(value)
    names = {}
    for name, ids in wanted.items():
        related = _field(name).related_model
        for pk, obj in related._default_manager.in_bulk(list(ids)).items():
            names[(name, str(pk))] = _object_name(obj)
    return names


def _object_name(obj) -> str:
    full_name = getattr(obj, "get_full_name", None)
    if callable(full_name):
        return full_name() or obj.get_username()
    return str(obj)


def _history_value(field_name: str, value: Any, context: dict) -> str:
    if value is None or value == "":
        return "—"
    field = _field(field_name)
    if field is not None and field.is_relation:
        return context["names"].get((field_name, str(value)), f"deleted ({value})")
    if field_name in context["choices"]:
        return context["choices"][field_name].get(str(value), humanise(value))
    if isinstance(field, models.DateTimeField):
        return local_time(value, context["tz"])
    if isinstance(field, models.BooleanField):
        return "yes" if value in (True, "True") else "no"
    return str(value)
