"""Back office for connections and the sync machinery. Secrets are write-only."""

import json

from django import forms
from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.admin import ReadOnlyInline, WorkspaceScopedAdmin
from helpdesk.audit import stamp_history
from integrations import services
from integrations.models import (
    Connection,
    ExternalLink,
    SyncAttempt,
    SyncOp,
    WebhookEvent,
)


class ConnectionForm(forms.ModelForm):
    credentials_json = forms.CharField(
        label="Credentials",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text='JSON, e.g. {"email": "me@acme.com", "api_token": "…"}. '
        "Leave empty to keep the stored ones.",
    )
    new_webhook_secret = forms.CharField(
        label="Webhook secret",
        required=False,
        min_length=16,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored secret.",
    )

    first_pull_hours = forms.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        help_text=Connection._meta.get_field("first_pull_hours").help_text,
    )

    class Meta:
        model = Connection
        fields = ["workspace", *services.PLAIN_FIELDS]

    def clean_first_pull_hours(self):
        return self.cleaned_data.get("first_pull_hours") or 0

    def clean_credentials_json(self):
        raw = self.cleaned_data.get("credentials_json", "").strip()
        if not raw:
            if self.instance.pk is None:
                raise forms.ValidationError("Give the platform credentials.")
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("Not valid JSON.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object.")
        return value

    def save(self, commit=True):
        connection = super().save(commit=False)
        secrets_set = []  # named in the history row, never their values
        if self.cleaned_data.get("credentials_json"):
            connection.set_credentials(self.cleaned_data["credentials_json"])
            secrets_set.append("credentials set")
        if self.cleaned_data.get("new_webhook_secret"):
            connection.set_webhook_secret(self.cleaned_data["new_webhook_secret"])
            secrets_set.append("webhook secret set")
        # The user is the request's (SimpleHistoryAdmin.save_model).
        stamp_history(connection, None, "; ".join(secrets_set))
        if commit:
            connection.save()
        return connection


@admin.register(Connection)
class ConnectionAdmin(WorkspaceScopedAdmin, SimpleHistoryAdmin):
    """Workspace admins manage their connections ("integrations.manage"). Its
    history never holds a secret (Connection.HISTORY_EXCLUDED)."""

    form = ConnectionForm
    list_display = [
        "__str__",
        "workspace",
        "platform",
        "enabled",
        "push_enabled",
        "pull_enabled",
        "last_pulled_at",
    ]
    list_filter = ["platform", "enabled", "push_enabled", "pull_enabled"]
    search_fields = ["name", "subdomain", "workspace__name"]
    readonly_fields = ["uuid", "credentials_shown", "last_pulled_at", "pull_cursor"]
    actions = ["test_connection"]

    @admin.display(description="Stored credentials")
    def credentials_shown(self, obj):
        return ", ".join(f"{k}: {v}" for k, v in obj.credentials_hint().items()) or "—"

    @admin.action(description="Test connection", permissions=["change"])
    def test_connection(self, request, queryset):
        for connection in queryset:
            ok, message = services.connection_test(connection)
            self.message_user(
                request,
                f"{connection}: {message}",
                messages.SUCCESS if ok else messages.ERROR,
            )


@admin.register(ExternalLink)
class ExternalLinkAdmin(WorkspaceScopedAdmin):
    manager_can_edit = True  # retrying a ticket's sync is "ticket.edit"

    def has_add_permission(self, request, *args):
        return False  # links are made by the sync

    def has_delete_permission(self, request, obj=None):
        # Forgetting a link (and its queued changes) is for workspace admins.
        if request.user.is_superuser:
            return True
        return request.user.is_active and self._role_for(request, obj) == "admin"

    list_display = [
        "ticket",
        "platform",
        "remote_id",
        "state",
        "last_synced_at",
        "last_error",
    ]
    list_filter = ["platform", "state"]
    search_fields = ["remote_id", "ticket__subject"]
    raw_id_fields = ["ticket"]
    readonly_fields = [f.name for f in ExternalLink._meta.fields]
    actions = ["retry"]

    @admin.action(description="Retry failed sync", permissions=["change"])
    def retry(self, request, queryset):
        count = sum(services.retry_link(link) for link in queryset)
        self.message_user(request, f"{count} change(s) queued again.")


class SyncAttemptInline(ReadOnlyInline):
    model = SyncAttempt
    readonly_fields = ["started_at", "duration_ms", "outcome", "status_code", "error"]
    fields = readonly_fields


@admin.register(SyncOp)
class SyncOpAdmin(WorkspaceScopedAdmin):
    list_display = ["id", "ticket", "connection", "kind", "state", "attempts"]
    list_filter = ["state", "kind", "connection__platform"]
    readonly_fields = [f.name for f in SyncOp._meta.fields]
    inlines = [SyncAttemptInline]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(WebhookEvent)
class WebhookEventAdmin(WorkspaceScopedAdmin):
    workspace_path = "connection__workspace"
    list_display = ["event_id", "connection", "remote_id", "outcome", "received_at"]
    list_filter = ["outcome"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser
