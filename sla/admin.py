"""Back office for calendars, policies and the clocks themselves."""

from django.contrib import admin
from django.utils import timezone

from helpdesk.admin import ChildHistoryAdmin, ScopedInline, WorkspaceScopedAdmin
from sla import services
from sla.models import (
    Calendar,
    CalendarInterval,
    Holiday,
    SlaPolicy,
    SlaPolicyTarget,
    SlaTarget,
)
from tickets.models import Ticket


class CalendarIntervalInline(ScopedInline):
    model = CalendarInterval


class HolidayInline(ScopedInline):
    model = Holiday


@admin.register(Calendar)
class CalendarAdmin(WorkspaceScopedAdmin, ChildHistoryAdmin):
    manager_can_edit = True  # managers manage SLA policies and their calendars
    child_histories = [
        ("Business hours", CalendarInterval, "calendar"),
        ("Holidays", Holiday, "calendar"),
    ]
    list_display = ["name", "workspace", "timezone", "is_24x7", "created_at"]
    list_filter = ["workspace", "is_24x7"]
    search_fields = ["name"]
    inlines = [CalendarIntervalInline, HolidayInline]


class SlaPolicyTargetInline(ScopedInline):
    model = SlaPolicyTarget


@admin.register(SlaPolicy)
class SlaPolicyAdmin(WorkspaceScopedAdmin, ChildHistoryAdmin):
    manager_can_edit = True  # "sla.manage"
    child_histories = [("Targets", SlaPolicyTarget, "policy")]
    scoped_foreign_keys = {"calendar": "workspace"}
    list_display = [
        "name",
        "workspace",
        "position",
        "is_active",
        "calendar",
        "internal_notes_fulfil",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["workspace", "is_active"]
    search_fields = ["name"]
    inlines = [SlaPolicyTargetInline]
    actions = ["reapply_to_open_tickets"]

    @admin.action(
        description="Re-apply policies to the workspace's open tickets",
        permissions=["change"],
    )
    def reapply_to_open_tickets(self, request, queryset):
        workspaces = {policy.workspace for policy in queryset}
        count = sum(services.sla_reapply(workspace=w) for w in workspaces)
        self.message_user(request, f"Policies re-applied to {count} open tickets.")


@admin.register(SlaTarget)
class SlaTargetAdmin(WorkspaceScopedAdmin):
    list_display = [
        "ticket",
        "metric",
        "policy",
        "state",
        "started_at",
        "due_at",
        "paused_at",
        "fulfilled_at",
        "breached_at",
    ]
    list_filter = ["workspace", "metric", "policy"]
    list_select_related = ["ticket__workspace", "policy"]
    search_fields = ["ticket__subject", "ticket__number"]
    raw_id_fields = ["ticket"]
    readonly_fields = [f.name for f in SlaTarget._meta.fields]

    @admin.display(description="State")
    def state(self, obj: SlaTarget) -> str:
        return SlaTarget.State(obj.state_at(timezone.now())).label

    def has_add_permission(self, request, *args) -> bool:
        return False  # clocks are started by ticket changes, not by hand

    # A deleted clock no longer counts towards its ticket's next breach.
    def delete_model(self, request, obj: SlaTarget) -> None:
        super().delete_model(request, obj)
        services.store_next_breach(Ticket.objects.filter(pk=obj.ticket_id))

    def delete_queryset(self, request, queryset) -> None:
        tickets = list(queryset.values_list("ticket_id", flat=True))
        super().delete_queryset(request, queryset)
        services.store_next_breach(Ticket.objects.filter(pk__in=tickets))

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
