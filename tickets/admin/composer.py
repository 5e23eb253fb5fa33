"""The admin of macros (managers change the workspace ones and their own; nobody
another's personal one) and attachments (read-only records; admins may delete one,
with its file; the files are served by the app to members only)."""

from django.contrib import admin
from django.db.models import Q

from helpdesk.admin import WorkspaceScopedAdmin
from tickets.models import Attachment, Macro


@admin.register(Macro)
class MacroAdmin(WorkspaceScopedAdmin):
    """Bodies are checked by Macro.clean (the fixed placeholder set)."""

    manager_can_edit = True
    scoped_foreign_keys = {
        "owner": "memberships__workspace",
        "set_assignee": "memberships__workspace",
        "created_by": "memberships__workspace",
    }
    list_display = ["name", "workspace", "owner", "set_status", "set_priority"]
    list_filter = ["workspace", "set_status"]
    search_fields = ["name", "body"]
    list_select_related = ["workspace", "owner"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(owner__isnull=True) | Q(owner=request.user))


@admin.register(Attachment)
class AttachmentAdmin(WorkspaceScopedAdmin):
    list_display = ["original_name", "workspace", "content_type", "size", "created_at"]
    list_filter = ["workspace", "content_type"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["workspace"]
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        """The stored file goes with its row (admins of the workspace only)."""
        obj.file.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for attachment in queryset:
            attachment.file.delete(save=False)
        super().delete_queryset(request, queryset)
