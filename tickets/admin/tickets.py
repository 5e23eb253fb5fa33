"""The back office. Every save, action and revert goes through tickets.services.

Access follows helpdesk.admin.WorkspaceScopedAdmin: superusers and workspace admins
have full access, managers read everything and work tickets, always within the
workspaces they belong to.
"""

from datetime import timedelta

from csp.decorators import csp_update
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.admin import ReadOnlyInline, WorkspaceScopedAdmin, staff_roles
from helpdesk.lib.csp import source_hash
from helpdesk.lib.errors import DomainError, PermissionDenied
from helpdesk.lib.history import record_changes
from helpdesk.lib.parsing import parse_int
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets import services, workflow
from tickets.admin.forms import TicketActionForm, TicketAdminForm
from tickets.exports import exporter
from tickets.models import (
    Comment,
    Ticket,
    TicketEvent,
)
from tickets.refs import MAX_NUMBER
from tickets.resources import TicketResource


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author_label", "is_public", "body"]
    readonly_fields = fields


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor_label", "data"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class AssociatedConversationInline(ReadOnlyInline):
    model = Ticket.associated_conversations.through
    verbose_name = "associated conversation"
    verbose_name_plural = "associated conversations"
    fields = ["conversation"]
    readonly_fields = fields


# django-import-export's export page has one inline event handler (its "Select all"
# box) and two style attributes. The Content-Security-Policy lets exactly these run,
# by hash, on that page only ('unsafe-hashes' lets a hash match an attribute).
EXPORT_PAGE_CSP = {
    "script-src-attr": ["'unsafe-hashes'", source_hash("onSelectToggleChange(event)")],
    "style-src-attr": [
        "'unsafe-hashes'",
        source_hash("padding: 0;"),
        source_hash("font-weight: bold;"),
    ],
}


@admin.register(Ticket)
class TicketAdmin(ImportExportMixin, WorkspaceScopedAdmin, SimpleHistoryAdmin):
    form = TicketAdminForm
    manager_can_edit = True
    resource_classes = [TicketResource]
    scoped_foreign_keys = {
        "team": "workspace",
        "label": "workspace",
        "requester": "workspace",
        "primary_conversation": "workspace",
        "associated_conversations": "workspace",
        "assignee": "memberships__workspace",
    }
    list_display = [
        "ref_display",
        "subject",
        "status",
        "priority",
        "assignee",
        "team",
        "label",
        "requester",
        "source",
        "confidence",
        "snoozed_until",
        "workspace",
        "created_at",
    ]
    list_display_links = ["ref_display", "subject"]
    list_filter = [
        "workspace",
        "status",
        "priority",
        "source",
        "team",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("label", admin.RelatedOnlyFieldListFilter),
        "channel",
        ("snoozed_until", admin.EmptyFieldListFilter),
        ("first_responded_at", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "=number",
        "subject",
        "content",
        "topic",
        "intent",
        "requester__email",
        "requester__name",
        "tags__name",
    ]
    list_select_related = [
        "workspace",
        "assignee",
        "team",
        "label__parent",
        "requester",
    ]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = [
        "workspace",
        "assignee",
        "team",
        "requester",
        "label",
        "primary_conversation",
        "associated_conversations",
    ]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "uuid",
        "source",
        "version",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [AssociatedConversationInline, CommentInline, TicketEventInline]
    action_form = TicketActionForm
    actions = [
        "change_status",
        "assign",
        "set_priority",
        "snooze",
        "unsnooze",
        "export_csv",
        "delete_selected",
    ]
    history_list_display = ["status", "priority", "assignee"]

    @admin.display(description="Ref", ordering="number")
    def ref_display(self, obj):
        return obj.ref

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        # "TKT-42" and "#42" find ticket 42 as well.
        digits = search_term.strip().lstrip("#").rsplit("-", 1)[-1]
        number = parse_int(digits, minimum=1, maximum=MAX_NUMBER)
        if number is not None and digits != search_term.strip():
            queryset |= self.get_queryset(request).filter(number=number)
        return queryset, may_have_duplicates

    def get_autocomplete_fields(self, request):
        fields = list(self.autocomplete_fields)
        if not request.user.is_superuser:
            # Staff who are not superusers cannot browse every user: the assignee
            # is a plain list of their workspaces' members.
            fields.remove("assignee")
        return fields

    # --- import and export (django-import-export) ---

    def get_export_queryset(self, request):
        """The list's rows for export; filters the list does not offer (a hand-made
        address) are a 400, as the list itself answers them with its error page."""
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters as exc:
            raise BadRequest("The export's filters are not the ticket list's.") from exc

    def has_export_permission(self, request):
        return request.user.is_superuser or any(
            can(m, "ticket.export") for m in self._memberships(request)
        )

    def has_import_permission(self, request):
        return request.user.is_superuser or any(
            can(m, "ticket.import") for m in self._memberships(request)
        )

    def import_action(self, request, **kwargs):
        """Imports use the back office's importer (dry-run preview, per-row errors,
        all-or-nothing, through the services) rather than django-import-export's."""
        return redirect(reverse("reports:pick", args=["import/"]))

    @method_decorator(csp_update(EXPORT_PAGE_CSP))
    def export_action(self, request):
        return super().export_action(request)

    def _memberships(self, request):
        return Membership.objects.filter(
            user=request.user, workspace_id__in=list(staff_roles(request))
        )

    # --- saving through the services ---

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        tag_names = [t for t in data.get("tag_names", "").split(",") if t.strip()]
        with transaction.atomic():
            if not change:
                values = {
                    name: data.get(name)
                    for name in services.METADATA_FIELDS
                    if name in data and name != "subject"
                }
                created = services.ticket_create(
                    workspace=data["workspace"],
                    actor=request.user,
                    subject=data["subject"],
                    priority=data["priority"],
                    status=data["status"],
                    assignee=data.get("assignee"),
                    team=data.get("team"),
                    label=data.get("label"),
                    primary_conversation=data.get("primary_conversation"),
                    tags=tag_names,
                    **values,
                )
                obj.pk = created.pk
                return
            changed = set(form.changed_data)
            edits = {n: data[n] for n in changed & services.EDITABLE_FIELDS}
            ticket = services.ticket_update(
                ticket=obj,
                actor=request.user,
                changes=edits,
                status=data["status"] if "status" in changed else None,
                tags=tag_names if "tag_names" in changed else None,
            )
            if "snoozed_until" in changed:
                if data["snoozed_until"]:
                    services.ticket_snooze(
                        ticket=ticket, until=data["snoozed_until"], actor=request.user
                    )
                else:
                    services.ticket_unsnooze(ticket=ticket, actor=request.user)

    def save_related(self, request, form, formsets, change):
        # Tags were saved by the services in save_model; only the associated
        # conversations (plain links) are saved here.
        form.instance.refresh_from_db()
        form.instance.associated_conversations.set(
            form.cleaned_data.get("associated_conversations", [])
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def get_deleted_objects(self, objs, request):
        """Whoever may delete a ticket may delete it with its clocks, sync rows and
        notifications: those go with the ticket (services.ticket_delete), so the
        permissions on their own admin pages do not block it."""
        to_delete, counts, _perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        return to_delete, counts, set(), protected

    def delete_model(self, request, obj):
        services.ticket_delete(ticket=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for ticket in queryset:
            services.ticket_delete(ticket=ticket, actor=request.user)

    # --- history and revert ---

    def set_history_delta_changes(
        self, request, historical_records, foreign_keys_are_objs=True
    ):
        """The history page's Changes column in the words of the History tab and the
        API (helpdesk.lib.history), each record compared with the one before it."""
        records = list(historical_records)
        for newer, older in zip(records, records[1:], strict=False):
            newer.history_delta_changes = record_changes(newer, older)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """GET shows the old version; POST reverts to it through
        services.ticket_revert, which writes a history row and a "reverted" event."""
        if request.method != "POST":
            return super().history_form_view(
                request, object_id, version_id, extra_context
            )
        ticket = self.get_object(request, object_id)
        if ticket is None or not self.has_change_permission(request, ticket):
            raise PermissionDenied
        try:
            services.ticket_revert(
                ticket=ticket, history_id=int(version_id), actor=request.user
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, _message(exc), messages.ERROR)
            return redirect(reverse("admin:tickets_ticket_history", args=[ticket.pk]))
        self.message_user(
            request,
            f"{ticket.ref} was reverted to the chosen version.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))

    # --- actions (each through a service; refusals reported per ticket) ---

    def _apply(self, request, queryset, change, verb):
        done, refused = 0, []
        for ticket in queryset.select_related("workspace"):
            if not self.has_change_permission(request, ticket):
                refused.append(f"{ticket.ref}: you may not change it")
                continue
            try:
                change(ticket)
                done += 1
            except (DomainError, ValidationError) as exc:
                refused.append(f"{ticket.ref}: {_message(exc)}")
        self.message_user(request, f"{verb} {done} ticket(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, "Refused: " + "; ".join(refused), messages.WARNING
            )

    @admin.action(description="Change status to the chosen status")
    def change_status(self, request, queryset):
        status = request.POST.get("status", "")
        if status not in workflow.Status.values:
            self.message_user(request, "Choose a status first.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_change_status(
                ticket=t, to=status, actor=request.user
            ),
            f"Moved to {workflow.label(status)}:",
        )

    @admin.action(description="Assign to the member named (empty: unassign)")
    def assign(self, request, queryset):
        name = request.POST.get("assignee", "").strip()
        user = None
        if name:
            users = get_user_model().objects.filter(
                Q(username__iexact=name) | Q(email__iexact=name)
            )
            if not request.user.is_superuser:
                # Only people of the staff user's workspaces: whether a name
                # exists in another tenant is not theirs to learn.
                users = users.filter(
                    memberships__workspace_id__in=list(staff_roles(request))
                )
            user = users.first()
            if user is None:
                self.message_user(request, f"No user {name!r}.", messages.ERROR)
                return
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_assign(
                ticket=t, assignee=user, actor=request.user
            ),
            "Assigned" if user else "Unassigned",
        )

    @admin.action(description="Set the chosen priority")
    def set_priority(self, request, queryset):
        try:
            priority = int(request.POST.get("priority", ""))
        except ValueError:
            self.message_user(request, "Choose a priority first.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_set_priority(
                ticket=t, priority=priority, actor=request.user
            ),
            "Updated",
        )

    @admin.action(description="Snooze for the number of hours given")
    def snooze(self, request, queryset):
        try:
            hours = int(request.POST.get("snooze_hours", ""))
            if not 1 <= hours <= 24 * 365:
                raise ValueError
        except ValueError:
            self.message_user(
                request, "Give the snooze in hours (1 to 8760).", messages.ERROR
            )
            return
        until = timezone.now() + timedelta(hours=hours)
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_snooze(ticket=t, until=until, actor=request.user),
            "Snoozed",
        )

    @admin.action(description="Wake selected tickets (end snooze)")
    def unsnooze(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_unsnooze(ticket=t, actor=request.user),
            "Woke",
        )

    @admin.action(description="Export selected tickets as CSV")
    def export_csv(self, request, queryset):
        if not self.has_export_permission(request):
            self.message_user(request, "Your role may not export.", messages.ERROR)
            return None
        return exporter.streaming_csv_response(
            queryset.order_by("-created_at", "-id"), "tickets-selection.csv"
        )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return getattr(exc, "message", str(exc))
