"""The admin of tags and labels (hierarchical, per workspace)."""

from django.contrib import admin
from django.db.models import Count

from helpdesk.admin import WorkspaceScopedAdmin
from tickets.models import Label, Tag


@admin.register(Tag)
class TagAdmin(WorkspaceScopedAdmin):
    manager_can_edit = True
    list_display = ["name", "workspace", "ticket_count"]
    list_filter = ["workspace"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_tickets=Count("tickets"))

    @admin.display(ordering="_tickets", description="Tickets")
    def ticket_count(self, obj):
        return obj._tickets


@admin.register(Label)
class LabelAdmin(WorkspaceScopedAdmin):
    manager_can_edit = True
    scoped_foreign_keys = {"parent": "workspace"}
    list_display = ["__str__", "parent", "workspace"]
    list_filter = ["workspace", ("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "parent__name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["workspace", "parent__parent"]
