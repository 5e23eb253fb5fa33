"""The ticket admin's forms: the change form (tags as text, transitions checked
against the state machine, every related object in the ticket's workspace) and the
changelist's action bar."""

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError

from helpdesk.lib.errors import DomainError
from helpdesk.tenancy import member_get
from tickets import workflow
from tickets.models import Ticket


class TicketActionForm(ActionForm):
    """The changelist's action bar: the value the chosen action applies."""

    status = forms.ChoiceField(
        required=False, choices=[("", "status…"), *workflow.Status.choices]
    )
    priority = forms.ChoiceField(
        required=False, choices=[("", "priority…"), *Ticket.Priority.choices]
    )
    assignee = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "assignee e-mail or username"}),
    )
    snooze_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 365,
        widget=forms.NumberInput(attrs={"placeholder": "snooze hours"}),
    )


class TicketAdminForm(forms.ModelForm):
    tag_names = forms.CharField(
        required=False, label="Tags", help_text="Comma-separated; new tags are created."
    )

    class Meta:
        model = Ticket
        fields = [
            "workspace",
            "subject",
            "content",
            "summary",
            "summary_by",
            "status",
            "priority",
            "assignee",
            "team",
            "requester",
            "label",
            "topic",
            "intent",
            "channel",
            "question",
            "answer",
            "ai_raw_response",
            "confidence",
            "governance_reason",
            "primary_conversation",
            "associated_conversations",
            "snoozed_until",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(
                self.instance.tags.values_list("name", flat=True)
            )

    def clean_status(self):
        new = self.cleaned_data["status"]
        old = self.instance.status if self.instance.pk else None
        if old is not None and new != old:
            try:
                workflow.check_transition(old, new)
            except DomainError as exc:
                raise ValidationError(exc.message) from None
        return new

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(
            self.instance, "workspace", None
        )
        for name in ("team", "label", "requester", "primary_conversation"):
            obj = cleaned.get(name)
            if (
                obj is not None
                and workspace is not None
                and obj.workspace_id != workspace.pk
            ):
                self.add_error(name, "That belongs to another workspace.")
        foreign = [
            c
            for c in cleaned.get("associated_conversations") or []
            if workspace is not None and c.workspace_id != workspace.pk
        ]
        if foreign:
            self.add_error(
                "associated_conversations", "Those belong to another workspace."
            )
        assignee = cleaned.get("assignee")
        if (
            assignee is not None
            and workspace is not None
            and member_get(workspace, user=assignee) is None
        ):
            self.add_error(
                "assignee", "The assignee is not a member of this workspace."
            )
        return cleaned
