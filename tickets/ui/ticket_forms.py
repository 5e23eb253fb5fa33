"""Forms that open tickets in the agent UI: "Create ticket" on a conversation and
the "New ticket" page. They check input against the member's workspace; the
services (tickets.services.ticket_create, the intake's
ticket_create_from_conversation) do the writing."""

from django import forms

from helpdesk.models import Contact, Membership, Team
from helpdesk.tenancy import member_get
from tickets import services
from tickets.filters import as_id
from tickets.models import Ticket


class _WorkspaceForm(forms.Form):
    """A form whose ids (team, assignee, requester) must be of one workspace."""

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership

    def _row(self, model, name: str, what: str):
        value = self.cleaned_data.get(name) or ""
        if not value:
            return None
        pk = as_id(value)
        row = (
            model.objects.filter(workspace=self.membership.workspace, pk=pk).first()
            if pk is not None
            else None
        )
        if row is None:
            raise forms.ValidationError(f"No {what} with that id in this workspace.")
        return row

    def clean_team(self) -> Team | None:
        return self._row(Team, "team", "team")


class ConversationTicketForm(_WorkspaceForm):
    """The "Create ticket" dialog of a conversation. When the conversation already
    feeds an open ticket the agent must confirm a second one."""

    # Blank: the customer's first words (as the API and the admin action do).
    subject = forms.CharField(required=False, max_length=Ticket.SUBJECT_MAX_LENGTH)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices,
        coerce=int,
        required=False,
        empty_value=Ticket.Priority.MEDIUM,
    )
    team = forms.CharField(required=False, max_length=20)
    confirm_another = forms.BooleanField(required=False)

    def __init__(self, *args, open_tickets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_tickets = list(open_tickets)

    def clean(self):
        data = super().clean()
        if self.open_tickets and not data.get("confirm_another"):
            refs = ", ".join(t.ref for t in self.open_tickets)
            self.add_error(
                "confirm_another",
                f"This conversation already feeds {refs}; tick the box to open "
                "another ticket anyway.",
            )
        return data


class NewTicketForm(_WorkspaceForm):
    """An agent's new ticket: the requester is a contact picked by the
    autocomplete (`requester`, an id) or a new one (`requester_email`, with an
    optional name); the assignee defaults to the agent."""

    subject = forms.CharField(max_length=Ticket.SUBJECT_MAX_LENGTH)
    description = forms.CharField(
        required=False, max_length=services.MAX_TEXT, widget=forms.Textarea
    )
    requester = forms.CharField(required=False, max_length=20)
    requester_name = forms.CharField(required=False, max_length=200)
    requester_email = forms.EmailField(required=False, max_length=254)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, initial=Ticket.Priority.MEDIUM
    )
    team = forms.CharField(required=False, max_length=20)
    assignee = forms.CharField(required=False, max_length=20)
    tags = forms.CharField(required=False, max_length=1000)

    def clean_requester(self) -> Contact | None:
        return self._row(Contact, "requester", "contact")

    def clean_assignee(self):
        value = self.cleaned_data.get("assignee") or ""
        if value == "none":
            return None
        if not value:
            return self.membership.user
        user = member_get(self.membership.workspace, user_id=as_id(value) or 0)
        if user is None:
            raise forms.ValidationError("No member with that id in this workspace.")
        return user

    def clean_tags(self) -> list[str]:
        names = (self.cleaned_data.get("tags") or "").split(",")
        try:
            return services.normalize_tag_names(names)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean(self):
        data = super().clean()
        if data.get("requester_name") and not (
            data.get("requester") or data.get("requester_email")
        ):
            self.add_error(
                "requester_email", "A new requester needs an e-mail address."
            )
        return data
