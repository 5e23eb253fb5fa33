"""Forms of the agent UI: they parse and check input; services do the writing."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.lib.parsing import as_id, parse_int
from helpdesk.models import Membership
from helpdesk.tenancy import member_get
from tickets import selectors, workflow
from tickets.models import Label, Ticket
from tickets.ui.snooze import resolve_snooze

User = get_user_model()


class _MemberForm(forms.Form):
    """A form that knows the member's workspace, so ids are checked against it."""

    notice = ""

    def __init__(self, *args, membership: Membership | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership

    @property
    def workspace(self):
        return self.membership.workspace

    def _member_user(self, value: str):
        if value in ("", "none"):
            return None
        user = member_get(self.workspace, user_id=value)
        if user is None:
            raise forms.ValidationError("No member with that id in this workspace.")
        return user


class StatusForm(_MemberForm):
    status = forms.ChoiceField(choices=workflow.Status.choices)
    comment = forms.CharField(required=False, max_length=10_000)
    version = forms.IntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("status"):
            self.notice = f"Status changed to {workflow.label(data['status'])}."
        return data


class FieldForm(_MemberForm):
    """One field of the panel: `field` names it, `value` is the new value."""

    FIELDS = {
        "priority": "Priority",
        "assignee": "Assignee",
        "team": "Team",
        "label": "Label",
        "subject": "Subject",
        "content": "Description",
        "topic": "Topic",
        "intent": "Intent",
    }
    field = forms.ChoiceField(choices=list(FIELDS.items()))
    value = forms.CharField(required=False, strip=False, max_length=100_000)
    version = forms.IntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        name, raw = data.get("field"), data.get("value", "")
        if not name:
            return data
        if name == "priority":
            number = parse_int(raw)
            value = raw if number is None else number
        elif name == "assignee":
            value = self._member_user(raw)
        elif name == "team":
            value = None
            if raw:
                value = (
                    self.workspace.teams.filter(pk=as_id(raw)).first()
                    if as_id(raw)
                    else None
                )
                if value is None:
                    raise forms.ValidationError("No such team in this workspace.")
        elif name == "label":
            value = None
            if raw:
                value = (
                    Label.objects.filter(workspace=self.workspace, pk=as_id(raw))
                    .select_related("parent")
                    .first()
                    if as_id(raw)
                    else None
                )
                if value is None:
                    raise forms.ValidationError("No such label in this workspace.")
        else:
            value = raw.strip() if name != "content" else raw
        data["changes"] = {name: value}
        self.notice = f"{self.FIELDS[name]} saved."
        return data


class TagsForm(_MemberForm):
    add = forms.CharField(required=False, max_length=500)
    remove = forms.CharField(required=False, max_length=50)

    def clean(self):
        data = super().clean()
        data["add"] = [t for t in (data.get("add") or "").split(",") if t.strip()]
        data["remove"] = [data["remove"]] if data.get("remove") else []
        if not data["add"] and not data["remove"]:
            raise forms.ValidationError("Type a tag to add.")
        self.notice = "Tags saved."
        return data


class CommentForm(_MemberForm):
    """A reply or note, its attached files (`attachments`, multipart) and the macro
    whose field changes to apply with it (`macro`, a macro id the member sees)."""

    body = forms.CharField(max_length=100_000)
    visibility = forms.ChoiceField(
        choices=[("internal", "Internal note"), ("public", "Public reply")],
        required=False,
    )
    macro = forms.CharField(required=False, max_length=20)

    def clean_macro(self):
        raw = self.cleaned_data.get("macro") or ""
        if not raw:
            return None
        macro = (
            selectors.macros_for(membership=self.membership).filter(pk=raw).first()
            if raw.isdigit() and len(raw) < 10
            else None
        )
        if macro is None:
            raise forms.ValidationError("No such macro in this workspace.")
        return macro

    # A public reply's way to the customer (templates/messaging/_composer_route.html).
    route = forms.ChoiceField(
        choices=[("", "Default"), ("chat", "Chat"), ("email", "E-mail")],
        required=False,
    )

    def clean(self):
        data = super().clean()
        data["is_public"] = data.get("visibility") == "public"
        data["attachments"] = self.files.getlist("attachments") if self.files else []
        self.notice = "Reply sent." if data["is_public"] else "Note added."
        if data.get("macro"):
            self.notice += f" Macro “{data['macro'].name}” applied."
        return data


class MacroForm(_MemberForm):
    """A macro: its body is checked against the placeholder set by the service."""

    name = forms.CharField(max_length=100)
    body = forms.CharField(required=False, max_length=100_000, widget=forms.Textarea)
    scope = forms.ChoiceField(
        choices=[("personal", "Personal"), ("workspace", "Workspace")],
        required=False,
    )
    set_status = forms.ChoiceField(
        choices=[("", "Leave as it is"), *workflow.Status.choices], required=False
    )
    set_priority = forms.TypedChoiceField(
        choices=[("", "Leave as it is"), *Ticket.Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    set_assignee = forms.CharField(required=False, max_length=20)
    add_tags = forms.CharField(required=False, max_length=500)

    def clean_set_assignee(self):
        return self._member_user(self.cleaned_data.get("set_assignee") or "")

    def clean_add_tags(self):
        raw = self.cleaned_data.get("add_tags") or ""
        return [t.strip() for t in raw.split(",") if t.strip()]


class SnoozeForm(_MemberForm):
    """`until` is a preset or "custom" with `at` (a `datetime-local` value read in
    the workspace's time zone), resolved when submitted; `unsnooze` ends a snooze."""

    until = forms.CharField(required=False, max_length=64)
    at = forms.CharField(required=False, max_length=64)
    unsnooze = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("unsnooze"):
            data["until"] = None
            self.notice = "Snooze ended."
            return data
        try:
            until = resolve_snooze(
                data.get("until", ""), data.get("at", ""), workspace=self.workspace
            )
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        data["until"] = until
        local = timezone.localtime(until, self.workspace.tz)
        self.notice = f"Snoozed until {local:%a %d %b %H:%M}."
        return data


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_shared = forms.BooleanField(required=False, label="Share with the workspace")
    is_pinned = forms.BooleanField(
        required=False, initial=True, label="Pin to the sidebar"
    )
    query = forms.CharField(required=False, max_length=4000)


class SavedViewEditForm(forms.Form):
    """One row of the saved views page: its name and switches, or a move."""

    name = forms.CharField(max_length=100, required=False)
    is_pinned = forms.BooleanField(required=False)
    is_shared = forms.BooleanField(required=False)
    move = forms.ChoiceField(
        choices=[("", ""), ("up", "up"), ("down", "down")], required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("move") and not (data.get("name") or "").strip():
            self.add_error("name", "Give the view a name.")
        return data


class BulkForm(_MemberForm):
    ACTION_LABELS = {
        "status": "Status changed",
        "complete": "Resolved",
        "incomplete": "Reopened",
        "assign": "Assigned",
        "priority": "Priority set",
        "add_tags": "Tags added",
        "remove_tags": "Tags removed",
        "snooze": "Snoozed",
        "unsnooze": "Unsnoozed",
        "delete": "Deleted",
        "export": "Exported",
    }
    action = forms.ChoiceField(choices=list(ACTION_LABELS.items()))
    numbers = forms.CharField(required=False)
    all_matching = forms.BooleanField(required=False)
    status = forms.ChoiceField(choices=workflow.Status.choices, required=False)
    assignee = forms.CharField(required=False)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, required=False, empty_value=None
    )
    tags = forms.CharField(required=False, max_length=500)
    until = forms.CharField(required=False, max_length=64)
    at = forms.CharField(required=False, max_length=64)

    def clean(self):
        data = super().clean()
        data["numbers"] = (
            self.data.getlist("numbers") if hasattr(self.data, "getlist") else []
        )
        if not data.get("all_matching") and not data["numbers"]:
            raise forms.ValidationError("Select at least one ticket.")
        action = data.get("action")
        params: dict = {}
        # The bar's menus start on "Choose…": an action whose menu was left there
        # is refused, never applied with a default (one click used to unassign all).
        needed = {"status": "status", "assign": "assignee", "priority": "priority"}
        if action in needed and data.get(needed[action]) in (None, ""):
            raise forms.ValidationError(f"Choose the {needed[action]} first.")
        if action == "status":
            params["status"] = data.get("status")
        elif action == "assign":
            user = self._member_user(data.get("assignee") or "")
            params["assignee"] = user.pk if user else None
        elif action == "priority":
            params["priority"] = data.get("priority")
        elif action in ("add_tags", "remove_tags"):
            params["tags"] = [
                t.strip() for t in (data.get("tags") or "").split(",") if t.strip()
            ]
        elif action == "snooze":
            try:
                until = resolve_snooze(
                    data.get("until", ""), data.get("at", ""), workspace=self.workspace
                )
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
            params["until"] = until.isoformat()
        data["params"] = params
        return data


class LiveForm(forms.Form):
    """The live-update poll: the marker the page has, and the open ticket if any
    with what the agent is doing in it (for presence)."""

    since = forms.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
    ticket = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    state = forms.ChoiceField(
        required=False, choices=[("viewing", "viewing"), ("replying", "replying")]
    )
    page = forms.RegexField(r"^[a-z0-9]{1,20}$", required=False)


class LeaveForm(forms.Form):
    """The beacon a page sends when it leaves the ticket it had open."""

    ticket = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    page = forms.RegexField(r"^[a-z0-9]{1,20}$", required=False)


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=100_000)


class NotificationReadForm(forms.Form):
    """Mark one notification read (`id`) or all of them (`all`)."""

    id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    all = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("id") is None and not data.get("all"):
            raise forms.ValidationError("Name a notification (id) or all.")
        return data


class EmailPreferenceForm(forms.Form):
    email_notifications = forms.BooleanField(required=False)
