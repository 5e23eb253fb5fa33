"""Back office for calendars, policies and the clocks themselves."""

from django.contrib import admin
from django.utils import timezone

from sla import services
from sla.models import (
    Calendar,
    CalendarInterval,
    Holiday,
    SlaPolicy,
    SlaPolicyTarget,
    SlaTarget,
)


class CalendarIntervalInline(admin.TabularInline):
    model = CalendarInterval
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "timezone", "is_24x7", "created_at"]
    list_filter = ["workspace", "is_24x7"]
    search_fields = ["name"]
    inlines = [CalendarIntervalInline, HolidayInline]


class SlaPolicyTargetInline(admin.TabularInline):
    model = SlaPolicyTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
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

    @admin.action(description="Re-apply policies to the workspace's open tickets")
    def reapply_to_open_tickets(self, request, queryset):
        workspaces = {policy.workspace for policy in queryset}
        count = sum(services.sla_reapply(workspace=w) for w in workspaces)
        self.message_user(request, f"Policies re-applied to {count} open tickets.")


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False  # clocks are started by ticket changes, not by hand
