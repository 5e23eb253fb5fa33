"""Back office for reply channels (audited, secret write-only) and deliveries."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.admin import WorkspaceScopedAdmin
from helpdesk.audit import stamp_history
from messaging.models import Channel, Delivery
from messaging.services import PLAIN_FIELDS


class ChannelAdminForm(forms.ModelForm):
    secret = forms.CharField(
        label="Signing secret",
        required=False,
        min_length=16,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text="Chat callback only. Leave empty to keep the stored secret.",
    )

    class Meta:
        model = Channel
        fields = ["workspace", *PLAIN_FIELDS]

    def clean(self):
        data = super().clean()
        if data.get("secret"):
            # Before the model's own checks, which need a secret for a chat.
            self.instance.set_secret(data["secret"])
            stamp_history(self.instance, None, "signing secret set")
        return data


@admin.register(Channel)
class ChannelAdmin(WorkspaceScopedAdmin, SimpleHistoryAdmin):
    """The history never holds the secret (excluded from HistoricalRecords)."""

    form = ChannelAdminForm
    manager_can_edit = True  # "channels.manage" is a manager's
    list_display = ["__str__", "workspace", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    readonly_fields = ["uuid", "secret_hint"]


@admin.register(Delivery)
class DeliveryAdmin(WorkspaceScopedAdmin):
    """What happened to each public reply; written by the drain only."""

    list_display = [
        "ticket",
        "route",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "reason",
    ]
    list_filter = ["route", "state"]
    search_fields = ["recipient", "email_message_id", "reason"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened; workspace admins may delete it
