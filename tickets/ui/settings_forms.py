"""Forms of the settings pages (/w/<slug>/settings/). They check the shape of the
input (numbers, choices of this workspace); the services check the rest, and
`add_service_errors` puts what a service refused next to the field it names."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from helpdesk.lib.errors import DomainError
from helpdesk.models import Membership, Team, Workspace
from sla.models import Calendar, CalendarInterval, Metric
from tickets.models import Label, Ticket

PRIORITIES = [("", "As the escalation says")] + [
    (str(value), label) for value, label in Ticket.Priority.choices
]


def add_service_errors(form: forms.Form, exc: DomainError | ValidationError) -> None:
    """A service's refusal as form errors: on the field it names when the form has
    that field, else above the form."""
    if isinstance(exc, DomainError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return
    if not hasattr(exc, "message_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def phrases(text: str) -> list[str]:
    """ "a, b ,c" -> ["a", "b", "c"]."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class PhrasesField(forms.CharField):
    """Comma-separated phrases, as a list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return phrases(super().to_python(value))


def _scoped(
    model, workspace: Workspace, empty: str, **kwargs
) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        model.objects.filter(workspace=workspace),
        required=False,
        empty_label=empty,
        error_messages={"invalid_choice": f"Pick a {model.__name__.lower()} here."},
        **kwargs,
    )


RULE_ORDER = [
    "name",
    "is_active",
    "confidence_below",
    "confidence_above",
    "channels",
    "topics",
    "intents",
    "keywords",
    "email_domains",
    "escalate",
    "priority",
    "team",
    "label",
    "tags",
    "group_within_days",
]


class RuleForm(forms.Form):
    """An escalation rule's conditions and actions (tickets.intake.rules)."""

    name = forms.CharField(max_length=100)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    confidence_below = forms.IntegerField(required=False, min_value=0, max_value=100)
    confidence_above = forms.IntegerField(required=False, min_value=0, max_value=100)
    channels = PhrasesField(help_text="e.g. chat, email")
    topics = PhrasesField()
    intents = PhrasesField()
    keywords = PhrasesField(help_text="Whole words or phrases, any case.")
    email_domains = PhrasesField(label="E-mail domains", help_text="e.g. acme.com")
    escalate = forms.BooleanField(
        required=False, initial=True, label="Open a ticket (off: do not escalate)"
    )
    priority = forms.TypedChoiceField(
        choices=PRIORITIES, required=False, coerce=int, empty_value=None
    )
    tags = PhrasesField(label="Add tags")
    group_within_days = forms.IntegerField(required=False, min_value=1, max_value=365)

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = _scoped(Team, workspace, "No team")
        self.fields["label"] = _scoped(Label, workspace, "No label")
        self.order_fields(RULE_ORDER)


class SampleForm(forms.Form):
    """A sample escalation for "test against the rules": nothing is created."""

    confidence = forms.IntegerField(required=False, min_value=0, max_value=100)
    channel = forms.CharField(required=False, max_length=100)
    topic = forms.CharField(required=False, max_length=100)
    intent = forms.CharField(required=False, max_length=100)
    email = forms.EmailField(required=False, label="Contact e-mail")
    question = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PolicyForm(forms.Form):
    """An SLA policy: which tickets it takes, its calendar, and its targets."""

    name = forms.CharField(max_length=100)
    position = forms.IntegerField(min_value=0, initial=0)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    internal_notes_fulfil = forms.BooleanField(
        required=False, label="Internal notes count as responses"
    )
    priorities = forms.TypedMultipleChoiceField(
        choices=Ticket.Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only priorities",
    )
    channels = PhrasesField(label="Only channels")
    tag_names = PhrasesField(label="Only tags")

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"] = _scoped(Calendar, workspace, "Round the clock (24/7)")
        self.fields["teams"] = forms.ModelMultipleChoiceField(
            Team.objects.filter(workspace=workspace),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Only teams",
            error_messages={"invalid_choice": "Pick teams of this workspace."},
        )

    def conditions(self) -> dict:
        data = self.cleaned_data
        given = {
            "priority": data["priorities"],
            "team": [t.pk for t in data["teams"]],
            "channel": data["channels"],
            "tags": data["tag_names"],
        }
        return {key: values for key, values in given.items() if values}


# An empty first choice in the rows of a formset: an untouched extra row then
# posts nothing and is skipped, where a preselected value would make it a row.
BLANK = [("", "—")]


class TargetForm(forms.Form):
    priority = forms.TypedChoiceField(
        choices=BLANK + Ticket.Priority.choices, coerce=int
    )
    metric = forms.ChoiceField(choices=BLANK + Metric.choices)
    minutes = forms.IntegerField(min_value=1, max_value=525_600)
    business_hours = forms.BooleanField(required=False, initial=True)
    warn_percent = forms.IntegerField(min_value=0, max_value=100, initial=25)


TargetFormSet = forms.formset_factory(TargetForm, extra=2, can_delete=True)


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    timezone = forms.CharField(max_length=64, initial="UTC")
    is_24x7 = forms.BooleanField(required=False, label="Open round the clock (24/7)")


class IntervalForm(forms.Form):
    weekday = forms.TypedChoiceField(
        choices=BLANK + CalendarInterval.Weekday.choices, coerce=int
    )
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="00:00 is midnight at the end of the day.",
    )


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=100, required=False)


IntervalFormSet = forms.formset_factory(IntervalForm, extra=2, can_delete=True)
HolidayFormSet = forms.formset_factory(HolidayForm, extra=1, can_delete=True)


def member_users(workspace: Workspace):
    return (
        get_user_model()
        .objects.filter(memberships__workspace=workspace)
        .order_by("first_name", "last_name", "username")
    )


class MemberPicker(forms.ModelMultipleChoiceField):
    """Members of the workspace, picked by name (their username is the value, never
    a numeric id); anyone else is refused with one message, known or not."""

    def __init__(self, workspace: Workspace, **kwargs):
        super().__init__(
            member_users(workspace),
            to_field_name="username",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Pick members of this workspace."},
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    routing = forms.ChoiceField(choices=Team.Routing.choices)

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"] = MemberPicker(workspace)


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Membership.Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
