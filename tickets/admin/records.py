"""The admin of what the application records: the ticket timeline (read-only),
saved views and CSV export jobs."""

from django.contrib import admin
from django.db.models import Q

from helpdesk.admin import WorkspaceScopedAdmin
from tickets.models import ExportJob, SavedView, TicketEvent


@admin.register(TicketEvent)
class TicketEventAdmin(WorkspaceScopedAdmin):
    list_display = ["created_at", "workspace", "ticket_number", "kind", "actor_label"]
    list_filter = ["workspace", "kind"]
    search_fields = ["=ticket_number", "actor_label"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in TicketEvent._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the timeline is an audit record


@admin.register(SavedView)
class SavedViewAdmin(WorkspaceScopedAdmin):
    """Like the views API: staff see the shared views and their own; managers and
    admins change the shared ones ("views.share"), nobody another's personal one."""

    manager_can_edit = True
    scoped_foreign_keys = {"owner": "memberships__workspace"}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(is_shared=True) | Q(owner=request.user))

    list_display = ["name", "owner", "workspace", "is_shared", "is_pinned", "position"]
    list_filter = ["workspace", "is_shared", "is_pinned"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner", "workspace"]


@admin.register(ExportJob)
class ExportJobAdmin(WorkspaceScopedAdmin):
    list_display = [
        "pk",
        "workspace",
        "requested_by",
        "state",
        "done_rows",
        "total_rows",
        "created_at",
        "finished_at",
    ]
    list_filter = ["workspace", "state"]
    list_select_related = ["workspace", "requested_by"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
