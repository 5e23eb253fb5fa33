"""The import's row form: one bound form per row of the file, whose errors are the
row's import errors (each field is named after its column).

A field exists only for the columns the file has, so a missing column leaves that
part of a ticket alone. Cells are read as the export wrote them: text that starts a
spreadsheet formula is refused, an apostrophe-escaped cell is read back unescaped.
Names (members, teams, tickets) are looked up in `ImportLookups`, read once per file.
The services validate the rest (lengths, workspace membership) when the row is applied.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from helpdesk.lib.csv import FORMULA_PREFIXES, unescape_cell
from helpdesk.lib.parsing import parse_int
from helpdesk.models import Membership, Team
from tickets import workflow
from tickets.models import Ticket
from tickets.refs import parse_ref

STATUS_BY_WORD = {
    **{s.value: s.value for s in workflow.Status},
    **{s.label.lower(): s.value for s in workflow.Status},
}
PRIORITY_BY_WORD = {
    **{str(p.value): p.value for p in Ticket.Priority},
    **{p.label.lower(): p.value for p in Ticket.Priority},
}


class ImportLookups:
    """The workspace's members, teams and the file's tickets, read once per file."""

    def __init__(self, workspace, numbers: set[int]):
        self.workspace = workspace
        self.members = {
            m.user.email.lower(): m.user
            for m in Membership.objects.filter(workspace=workspace)
            .exclude(user__email="")
            .select_related("user")
        }
        self.teams = {
            t.name.lower(): t for t in Team.objects.filter(workspace=workspace)
        }
        self.tickets = {
            t.number: t
            for t in Ticket.objects.filter(workspace=workspace, number__in=numbers)
            .select_related("workspace", "assignee", "team", "requester", "label")
            .prefetch_related("tags")
        }


class CellField(forms.CharField):
    """A cell of the file as text: never a spreadsheet formula, unescaped."""

    def __init__(self, *, help_text: str, strip: bool = True):
        super().__init__(required=False, strip=strip, help_text=help_text)

    def to_python(self, value: Any) -> str:
        raw = "" if value in self.empty_values else str(value)
        if raw[:1] in FORMULA_PREFIXES:
            raise ValidationError(
                f"{raw[:30]!r} starts with {raw[0]!r} and would run as a "
                "spreadsheet formula; put an apostrophe in front to keep it as text.",
                code="formula",
            )
        return super().to_python(unescape_cell(raw))


class ImportRowForm(forms.Form):
    """One row of an import file. `changes()` gives the values to apply: for a new
    ticket (no `ref`) the ticket's fields, for `ref` the fields the file has."""

    ref = CellField(help_text="TKT-42 updates that ticket; empty creates a ticket.")
    subject = CellField(strip=False, help_text="Required for a new ticket.")
    status = CellField(help_text="open, in_progress, ... or its label; new: open.")
    priority = CellField(help_text="1-5 or Lowest, Low, Medium, High, Urgent.")
    assignee_email = CellField(help_text="A member's e-mail; empty unassigns.")
    team = CellField(help_text="A team's name; empty: no team.")
    requester_email = CellField(help_text="The contact (created if new).")
    requester_name = CellField(help_text="Read with requester_email.")
    tags = CellField(help_text="Comma-separated; replaces the ticket's tags.")
    label = CellField(help_text="A path such as Billing > Refund (created if new).")
    topic = CellField(help_text="Free text.")
    intent = CellField(help_text="Free text.")
    channel = CellField(help_text="Free text (web, email, ...).")
    confidence = CellField(help_text="The AI's confidence, 0-100, or empty.")
    content = CellField(strip=False, help_text="The description.")

    def __init__(self, cells: dict[str, str], *, lookups: ImportLookups):
        super().__init__(data=cells)
        self.lookups = lookups
        self.ticket: Ticket | None = None
        for name in set(self.fields) - set(cells):
            del self.fields[name]

    @classmethod
    def column_help(cls) -> list[tuple[str, str]]:
        """(column, what it takes) for every column the import reads."""
        return [(name, field.help_text) for name, field in cls.base_fields.items()]

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"]
        if ref:
            prefix = self.lookups.workspace.ticket_prefix
            try:
                number = parse_ref(ref, prefix)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            self.ticket = self.lookups.tickets.get(number)
            if self.ticket is None:
                raise ValidationError(
                    f"There is no ticket {prefix}-{number} in this workspace."
                )
        return ref

    def clean_status(self) -> str | None:
        word = self.cleaned_data["status"].lower()
        if word and word not in STATUS_BY_WORD:
            raise ValidationError(
                f"Unknown status {self.data['status']!r}; use one of "
                f"{', '.join(workflow.Status.values)}."
            )
        return STATUS_BY_WORD.get(word)

    def clean_priority(self) -> int | None:
        word = self.cleaned_data["priority"].lower()
        if word and word not in PRIORITY_BY_WORD:
            raise ValidationError(
                "Priority must be 1-5 or Lowest, Low, Medium, High, Urgent; "
                f"got {self.data['priority']!r}."
            )
        return PRIORITY_BY_WORD.get(word)

    def clean_assignee_email(self):
        email = self.cleaned_data["assignee_email"].lower()
        if email and email not in self.lookups.members:
            raise ValidationError(
                f"No member of this workspace has the e-mail {email!r}."
            )
        return self.lookups.members.get(email)

    def clean_team(self) -> Team | None:
        name = self.cleaned_data["team"]
        if name and name.lower() not in self.lookups.teams:
            raise ValidationError(f"There is no team {name!r} in this workspace.")
        return self.lookups.teams.get(name.lower())

    def clean_requester_email(self) -> str:
        email = self.cleaned_data["requester_email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(
                    f"{email!r} is not a valid e-mail address."
                ) from None
        return email

    def clean_tags(self) -> list[str]:
        return [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def clean_confidence(self) -> int | None:
        text = self.cleaned_data["confidence"]
        if not text:
            return None
        number = parse_int(text, minimum=0, maximum=100)
        if number is None:
            raise ValidationError(f"Confidence must be 0-100, got {text!r}.")
        return number

    def clean(self):
        data = super().clean()
        new = self.ticket is None and not self.errors
        if new and not data.get("subject", "").strip():
            self.add_error("subject", "A new ticket needs a subject.")
        return data

    def changes(self) -> dict[str, Any]:
        """The cleaned row as service arguments (the form must be valid)."""
        values = dict(self.cleaned_data)
        values.pop("ref", None)
        status = values.pop("status", None)
        if status or (self.ticket is None and "status" in self.cleaned_data):
            values["status"] = status or workflow.Status.OPEN  # a new one: open
        if "priority" in values and values["priority"] is None:
            del values["priority"]  # empty: unchanged (new: medium)
        if "assignee_email" in values:
            values["assignee"] = values.pop("assignee_email")
        name = values.pop("requester_name", "")
        if "requester_email" in values:  # the name goes with the e-mail
            values["requester_name"] = name
        return values
