"""Admin for tenancy models, and the role rules every back-office page follows.

Superusers see and change everything. Other staff users see only the workspaces
where they are a manager or an admin: workspace admins have full access there,
managers read everything and work tickets (models with `manager_can_edit`).
Agents have no back office; they use the agent UI.

Configuration (teams, memberships, escalation rules, SLA policies and calendars,
connections) has field history: its admin mixes in simple-history's
SimpleHistoryAdmin after WorkspaceScopedAdmin, which keeps the history pages to the
staff user's workspaces like every other page.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import AutoField, BigAutoField, Count
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.lib.parsing import as_id
from helpdesk.models import Contact, Membership, Notification, Team, Workspace

Role = Membership.Role


def staff_roles(request) -> dict[int, str]:
    """{workspace id: role} of the request's user where they are manager or admin."""
    cached = getattr(request, "_backoffice_roles", None)
    if cached is None:
        cached = dict(
            Membership.objects.filter(
                user=request.user, role__in=[Role.MANAGER, Role.ADMIN]
            ).values_list("workspace_id", "role")
        )
        request._backoffice_roles = cached
    return cached


class _IdsOnly:
    """An autocomplete box that shows back only values that can be ids: Django's
    looks every posted value up, and a value like "abc" is a ValueError there."""

    def optgroups(self, name, value, attr=None):
        ids = [item for item in value if item and as_id(str(item)) is not None]
        return super().optgroups(name, ids, attr)


class IdAutocompleteSelect(_IdsOnly, AutocompleteSelect):
    pass


class IdAutocompleteSelectMultiple(_IdsOnly, AutocompleteSelectMultiple):
    pass


class WorkspaceScopedAdmin(admin.ModelAdmin):
    """Rows scoped to the staff user's workspaces, access decided by role."""

    # Lookup from the model to its workspace id ("workspace", "ticket__workspace").
    workspace_path = "workspace"
    # Managers may add, change and delete these rows (tickets); else read only.
    manager_can_edit = False
    # Foreign keys to other tenant models, limited to the user's workspaces.
    scoped_foreign_keys: dict[str, str] = {}

    def _workspace_id(self, obj) -> int | None:
        value = obj
        for part in self.workspace_path.split("__"):
            value = getattr(value, "pk" if part == "pk" else part, None)
            if value is None:
                return None
        return value if isinstance(value, int) else getattr(value, "pk", None)

    def _role_for(self, request, obj) -> str | None:
        roles = staff_roles(request)
        if obj is None:
            if not roles:
                return None
            return Role.ADMIN if Role.ADMIN in roles.values() else Role.MANAGER
        return roles.get(self._workspace_id(obj))

    def _may_edit(self, request, obj) -> bool:
        role = self._role_for(request, obj)
        return role == Role.ADMIN or (role == Role.MANAGER and self.manager_can_edit)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        ids = list(staff_roles(request))
        return queryset.filter(**{f"{self.workspace_path}__in": ids})

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        """The versions on a history page (admins that mix in SimpleHistoryAdmin):
        only those of the staff user's workspaces, whatever id is asked for."""
        queryset = super().get_history_queryset(
            request, history_manager, pk_name, object_id
        )
        if request.user.is_superuser:
            return queryset
        ids = list(staff_roles(request))
        return queryset.filter(**{f"{self.workspace_path}__in": ids})

    def _is_pk(self, value: str) -> bool:
        """Whether `value` can name a row of this model (an id in ASCII digits
        within the column's range, a well-formed UUID, ...)."""
        pk = self.model._meta.pk
        if isinstance(pk, AutoField | BigAutoField):
            return as_id(value) is not None
        try:
            pk.to_python(value)
        except ValidationError:
            return False
        return True

    def history_view(self, request, object_id, extra_context=None):
        """A history page for an id no row can have is a 404, like a missing row
        (simple-history would hand the text to the database)."""
        if not self._is_pk(unquote(object_id)):
            raise Http404("No such row.")
        return super().history_view(request, object_id, extra_context)

    def get_changeform_initial_data(self, request):
        """The add form's values from its address (`?team=3`), as the fields'
        values; one no row or field can have is left out rather than failing."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            values = value if isinstance(value, list) else [value]
            if field.is_relation:
                if any(as_id(str(v)) is None for v in values):
                    del initial[name]
                continue
            try:  # a date's widget needs a date, not the text of one
                initial[name] = field.to_python(value)
            except (ValidationError, ValueError, TypeError):
                del initial[name]
        return initial

    def get_readonly_fields(self, request, obj=None):
        """A row never moves to another workspace: its tickets, members and
        links would then point across tenants."""
        fields = list(super().get_readonly_fields(request, obj))
        has_workspace = any(f.name == "workspace" for f in self.model._meta.fields)
        if obj is not None and has_workspace and "workspace" not in fields:
            fields.append("workspace")
        return fields

    def get_list_filter(self, request):
        """Filters on other tenant models offer only the rows in the list, never
        every workspace's teams, policies or workspaces themselves."""
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        scoped_filters = []
        for item in filters:
            if isinstance(item, str) and "__" not in item:
                try:
                    field = self.model._meta.get_field(item)
                except FieldDoesNotExist:
                    field = None
                if field is not None and field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            scoped_filters.append(item)
        return scoped_filters

    def has_module_permission(self, request):
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return request.user.is_active and bool(staff_roles(request))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return request.user.is_active and self._role_for(request, obj) is not None

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return request.user.is_active and self._may_edit(request, obj)

    def has_add_permission(self, request, *args):
        if request.user.is_superuser:
            return super().has_add_permission(request, *args)
        return request.user.is_active and self._may_edit(request, None)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return request.user.is_active and self._may_edit(request, obj)

    def _autocomplete(self, db_field, request, kwargs, widget_class) -> None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = widget_class(
                db_field, self.admin_site, using=kwargs.get("using")
            )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._autocomplete(db_field, request, kwargs, IdAutocompleteSelectMultiple)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if request.user.is_superuser or field is None:
            return field
        path = self.scoped_foreign_keys.get(db_field.name)
        if path is not None:
            field.queryset = field.queryset.filter(
                **{f"{path}__in": list(staff_roles(request))}
            ).distinct()
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._autocomplete(db_field, request, kwargs, IdAutocompleteSelect)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.is_superuser or field is None:
            return field
        roles = staff_roles(request)
        editable = [
            ws
            for ws, role in roles.items()
            if role == Role.ADMIN or self.manager_can_edit
        ]
        if db_field.name == "workspace":
            field.queryset = field.queryset.filter(pk__in=editable)
        elif db_field.name in self.scoped_foreign_keys:
            path = self.scoped_foreign_keys[db_field.name]
            field.queryset = field.queryset.filter(
                **{f"{path}__in": editable}
            ).distinct()
        return field


class ChildHistoryAdmin(SimpleHistoryAdmin):
    """A history page that also lists the versions of the parent's child rows (a
    policy's targets, a calendar's intervals and holidays), which have their own
    history and no admin page. Mix in after WorkspaceScopedAdmin: the page is shown
    only to whoever may view the parent."""

    object_history_template = "admin/history_with_children.html"
    # (title, child model with history, name of its foreign key to the parent)
    child_histories: list[tuple[str, type, str]] = []
    child_history_limit = 100

    def history_view(self, request, object_id, extra_context=None):
        parent_id = unquote(object_id)
        children = [
            (
                title,
                model.history.filter(**{f"{fk}_id": parent_id})
                .select_related("history_user")
                .order_by("-history_date", "-history_id")[: self.child_history_limit],
            )
            for title, model, fk in self.child_histories
        ]
        context = {**(extra_context or {}), "child_histories": children}
        return super().history_view(request, object_id, context)


class ScopedInline(admin.TabularInline):
    """An inline edited by whoever may change the parent (role-based, like it)."""

    extra = 0

    def parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self.parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.parent_admin().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.parent_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.parent_admin().has_change_permission(request, obj)


def _only_superusers_pick_users(request) -> bool:
    """Whether the request's user may name a membership's user. Workspace admins
    invite people from the app (helpdesk.invitations) and never pick a user by id,
    so no id of another workspace's user can be tried or told apart here."""
    return request.user.is_superuser


class ReadOnlyInline(admin.TabularInline):
    """An inline shown to whoever may view the parent, never edited from there."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return self.parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def parent_admin(self):
        return self.admin_site._registry[self.parent_model]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def _admin_of(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        return obj is not None and staff_roles(request).get(obj.pk) == Role.ADMIN

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or bool(staff_roles(request))

    def has_add_permission(self, request, obj=None):
        return _only_superusers_pick_users(request)

    def has_change_permission(self, request, obj=None):
        return self._admin_of(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._admin_of(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if _only_superusers_pick_users(request) else ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    workspace_path = "pk"
    list_display = [
        "name",
        "slug",
        "ticket_prefix",
        "timezone",
        "next_number",
        "member_count",
        "created_at",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["next_number", "created_at"]
    date_hierarchy = "created_at"
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("memberships"))

    @admin.display(ordering="_members", description="Members")
    def member_count(self, obj):
        return obj._members

    def _workspace_id(self, obj):
        return obj.pk

    def has_add_permission(self, request, *args):
        return request.user.is_superuser  # new tenants are made by the operator

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # and removed by the operator


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin, SimpleHistoryAdmin):
    list_display = ["user", "workspace", "role", "is_available", "created_at"]
    list_filter = ["workspace", "role", "is_available"]
    search_fields = ["user__username", "user__email", "workspace__name"]
    list_select_related = ["user", "workspace"]
    autocomplete_fields = ["user", "workspace"]

    def get_autocomplete_fields(self, request):
        # Only superusers browse users; the rest never pick one.
        return self.autocomplete_fields if request.user.is_superuser else []

    def has_add_permission(self, request, *args):
        return _only_superusers_pick_users(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not _only_superusers_pick_users(request):
            fields.append("user")
        return fields


@admin.register(Team)
class TeamAdmin(WorkspaceScopedAdmin, SimpleHistoryAdmin):
    scoped_foreign_keys = {
        "members": "memberships__workspace",
        "routing_last_user": "memberships__workspace",
    }
    list_display = ["name", "workspace", "routing", "member_count", "created_at"]
    list_filter = ["workspace", "routing"]
    search_fields = ["name"]
    autocomplete_fields = ["workspace", "members"]

    def get_autocomplete_fields(self, request):
        return self.autocomplete_fields if request.user.is_superuser else ["workspace"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(ordering="_members", description="Members")
    def member_count(self, obj):
        return obj._members


@admin.register(Contact)
class ContactAdmin(WorkspaceScopedAdmin):
    manager_can_edit = True
    list_display = ["name", "email", "external_id", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "email", "external_id"]
    list_select_related = ["workspace"]
    autocomplete_fields = ["workspace"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(WorkspaceScopedAdmin):
    """Notifications are written by the system; staff only read them."""

    list_display = ["subject", "recipient", "kind", "state", "attempts", "created_at"]
    list_filter = ["kind", "state", "workspace"]
    search_fields = ["subject", "recipient__username", "recipient__email"]
    raw_id_fields = ["recipient", "ticket"]
    readonly_fields = ["created_at", "claimed_at", "sent_at", "attempts", "last_error"]

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser
