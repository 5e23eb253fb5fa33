from django.contrib import admin

from helpdesk.models import Contact, Membership, Team, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "ticket_prefix",
        "timezone",
        "next_number",
        "created_at",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["next_number", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "is_available", "created_at"]
    list_filter = ["workspace", "role", "is_available"]
    search_fields = ["user__username", "user__email", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "routing", "member_count"]
    list_filter = ["workspace", "routing"]
    search_fields = ["name"]
    autocomplete_fields = ["workspace", "members"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(ordering="_members", description="Members")
    def member_count(self, obj):
        return obj._members


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "external_id", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "email", "external_id"]
    date_hierarchy = "created_at"
