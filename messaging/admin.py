"""Back office for inbound e-mail: the workspace's mailboxes (the IMAP password is
write-only) and the mail received, read only."""

from django import forms
from django.contrib import admin

from helpdesk.admin import WorkspaceScopedAdmin
from integrations import crypto
from messaging.models import InboundEmail, InboundMailbox

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class InboundMailboxForm(forms.ModelForm):
    new_imap_password = forms.CharField(
        label="IMAP password",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored password.",
    )

    class Meta:
        model = InboundMailbox
        fields = [
            "workspace",
            "address",
            "is_active",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_folder",
        ]

    def clean_imap_port(self):
        port = self.cleaned_data["imap_port"]
        if not 1 <= port <= 65535:
            raise forms.ValidationError("A TCP port: 1 to 65535.")
        return port

    def clean(self):
        data = super().clean()
        host = (data.get("imap_host") or "").strip().lower()
        if not host:
            return data
        if not data.get("imap_username"):
            self.add_error("imap_username", "Give the IMAP user name.")
        if not data.get("new_imap_password") and not self.instance.imap_password:
            self.add_error("new_imap_password", "Give the IMAP password.")
        if (
            data.get("imap_security") == InboundMailbox.Security.NONE
            and host not in LOOPBACK
        ):
            self.add_error(
                "imap_security",
                "Without TLS the password would cross the network in clear: "
                "use TLS or STARTTLS (plain IMAP only on loopback).",
            )
        return data

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("new_imap_password"):
            mailbox.imap_password = crypto.encrypt(
                self.cleaned_data["new_imap_password"]
            )
        if commit:
            mailbox.save()
        return mailbox


@admin.register(InboundMailbox)
class InboundMailboxAdmin(WorkspaceScopedAdmin):
    form = InboundMailboxForm
    list_display = ["address", "workspace", "is_active", "imap_host", "last_polled_at"]
    list_filter = ["is_active", "workspace"]
    search_fields = ["address", "workspace__name"]
    readonly_fields = ["uidvalidity", "last_uid", "last_polled_at", "last_error"]


@admin.register(InboundEmail)
class InboundEmailAdmin(WorkspaceScopedAdmin):
    list_display = ["received_at", "from_address", "subject", "outcome", "source"]
    list_filter = ["outcome", "source"]
    search_fields = ["from_address", "subject", "email_message_id"]
    exclude = ["raw", "html"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]
