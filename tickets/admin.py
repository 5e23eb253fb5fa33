"""The back office. Every save and action goes through tickets.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.lib.errors import DomainError
from tickets import escalation, services, workflow
from tickets.models import (
    Comment,
    Conversation,
    EscalationRule,
    Label,
    Message,
    SavedView,
    Tag,
    Ticket,
    TicketEvent,
)


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ["created_at", "author_label", "is_public", "body"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "kind", "actor_label", "data"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class TicketAdminForm(forms.ModelForm):
    tag_names = forms.CharField(
        required=False, label="Tags", help_text="Comma-separated; new tags are created."
    )

    class Meta:
        model = Ticket
        fields = [
            "workspace",
            "subject",
            "content",
            "summary",
            "summary_by",
            "status",
            "priority",
            "assignee",
            "team",
            "requester",
            "label",
            "topic",
            "intent",
            "channel",
            "question",
            "answer",
            "ai_raw_response",
            "confidence",
            "governance_reason",
            "primary_conversation",
            "associated_conversations",
            "snoozed_until",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(
                self.instance.tags.values_list("name", flat=True)
            )

    def clean_status(self):
        new = self.cleaned_data["status"]
        old = self.instance.status if self.instance.pk else None
        if old is not None and new != old:
            try:
                workflow.check_transition(old, new)
            except DomainError as exc:
                raise ValidationError(exc.message) from None
        return new

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(
            self.instance, "workspace", None
        )
        for name in ("team", "label", "requester", "primary_conversation"):
            obj = cleaned.get(name)
            if (
                obj is not None
                and workspace is not None
                and obj.workspace_id != workspace.pk
            ):
                self.add_error(name, "That belongs to another workspace.")
        assignee = cleaned.get("assignee")
        if (
            assignee is not None
            and workspace is not None
            and not assignee.memberships.filter(workspace=workspace).exists()
        ):
            self.add_error(
                "assignee", "The assignee is not a member of this workspace."
            )
        return cleaned


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    form = TicketAdminForm
    list_display = [
        "ref_display",
        "subject",
        "status",
        "priority",
        "assignee",
        "team",
        "label",
        "source",
        "workspace",
        "created_at",
    ]
    list_filter = ["workspace", "status", "priority", "source", "team", "channel"]
    search_fields = [
        "=number",
        "subject",
        "content",
        "requester__email",
        "requester__name",
    ]
    list_select_related = ["workspace", "assignee", "team", "label__parent"]
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
    inlines = [CommentInline, TicketEventInline]
    actions = ["mark_resolved", "mark_open", "assign_to_me", "set_urgent"]
    history_list_display = ["status", "priority", "assignee"]

    @admin.display(description="Ref", ordering="number")
    def ref_display(self, obj):
        return obj.ref

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("workspace")
        return fields

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
                ticket=obj, actor=request.user, changes=edits
            )
            if "status" in changed:
                ticket = services.ticket_change_status(
                    ticket=ticket, to=data["status"], actor=request.user
                )
            if "snoozed_until" in changed:
                if data["snoozed_until"]:
                    services.ticket_snooze(
                        ticket=ticket, until=data["snoozed_until"], actor=request.user
                    )
                else:
                    services.ticket_unsnooze(ticket=ticket, actor=request.user)
            if "tag_names" in changed:
                current = set(ticket.tags.values_list("name", flat=True))
                wanted = set(services._clean_tag_names(tag_names))
                services.ticket_set_tags(
                    ticket=ticket,
                    actor=request.user,
                    add=wanted - current,
                    remove=current - wanted,
                )

    def save_related(self, request, form, formsets, change):
        # Tags were saved by the services in save_model; only the associated
        # conversations (plain links) are saved here.
        form.instance.refresh_from_db()
        form.instance.associated_conversations.set(
            form.cleaned_data.get("associated_conversations", [])
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        services.ticket_delete(ticket=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for ticket in queryset:
            services.ticket_delete(ticket=ticket, actor=request.user)

    def _apply(self, request, queryset, change, verb):
        done, refused = 0, []
        for ticket in queryset:
            try:
                change(ticket)
                done += 1
            except (DomainError, ValidationError) as exc:
                refused.append(f"{ticket.ref}: {getattr(exc, 'message', exc)}")
        self.message_user(request, f"{verb} {done} ticket(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, "Refused — " + "; ".join(refused), messages.WARNING
            )

    @admin.action(description="Mark selected tickets resolved")
    def mark_resolved(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_complete(ticket=t, actor=request.user),
            "Resolved",
        )

    @admin.action(description="Reopen selected tickets")
    def mark_open(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_incomplete(ticket=t, actor=request.user),
            "Reopened",
        )

    @admin.action(description="Assign selected tickets to me")
    def assign_to_me(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_assign(
                ticket=t, assignee=request.user, actor=request.user
            ),
            "Assigned",
        )

    @admin.action(description="Set priority to Urgent")
    def set_urgent(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda t: services.ticket_set_priority(
                ticket=t, priority=Ticket.Priority.URGENT, actor=request.user
            ),
            "Updated",
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["__str__", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name", "parent__name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent__parent"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["sent_at", "author_kind", "author_name", "body"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "contact",
        "channel",
        "handled_by",
        "started_at",
        "workspace",
    ]
    list_filter = ["workspace", "channel", "handled_by"]
    search_fields = ["external_id", "contact__email", "contact__name"]
    autocomplete_fields = ["contact"]
    date_hierarchy = "started_at"
    inlines = [MessageInline]
    actions = ["create_ticket"]

    @admin.action(description="Create a ticket from each selected conversation")
    def create_ticket(self, request, queryset):
        made, refused = [], []
        for conversation in queryset.select_related("workspace", "contact"):
            try:
                ticket = escalation.ticket_create_from_conversation(
                    conversation=conversation, actor=request.user
                )
            except (DomainError, ValidationError) as exc:
                refused.append(f"{conversation}: {getattr(exc, 'message', exc)}")
                continue
            made.append(ticket.ref)
        if made:
            self.message_user(request, f"Created {', '.join(made)}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request, "Refused — " + "; ".join(refused), messages.WARNING
            )


class EscalationRuleForm(forms.ModelForm):
    class Meta:
        model = EscalationRule
        fields = [
            "workspace",
            "name",
            "position",
            "is_active",
            "confidence_below",
            "confidence_above",
            "channels",
            "topics",
            "intents",
            "keywords",
            "email_domains",
            "escalate",
            "priority",
            "team",
            "tags",
            "label",
            "group_within_days",
        ]

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(
            self.instance, "workspace", None
        )
        if workspace is None or self.errors:
            return cleaned
        values = {
            name: cleaned.get(name)
            for name in escalation.RULE_FIELDS
            if name in self.fields
        }
        try:
            self.clean_values = escalation._check_rule(
                workspace, values, self.instance if self.instance.pk else None
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, error)
        return cleaned


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    form = EscalationRuleForm
    list_display = [
        "name",
        "workspace",
        "position",
        "is_active",
        "escalate",
        "priority",
        "team",
        "label",
        "group_within_days",
    ]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["workspace", "is_active", "escalate"]
    search_fields = ["name"]
    list_select_related = ["workspace", "team", "label__parent"]
    autocomplete_fields = ["team", "label"]
    ordering = ["workspace", "position", "id"]

    def get_readonly_fields(self, request, obj=None):
        return ["workspace"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        values = getattr(form, "clean_values", None)
        if values is None:  # list_editable rows: only position / is_active
            values = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in escalation.RULE_FIELDS
            }
        if change:
            updated = escalation.escalation_rule_update(
                rule=obj, actor=request.user, changes=values
            )
        else:
            updated = escalation.escalation_rule_create(
                workspace=form.cleaned_data["workspace"],
                actor=request.user,
                values=values,
            )
        obj.pk = updated.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        escalation.escalation_rule_delete(rule=obj, actor=request.user)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "workspace", "ticket_number", "kind", "actor_label"]
    list_filter = ["workspace", "kind"]
    search_fields = ["=ticket_number", "actor_label"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in TicketEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "workspace", "is_shared", "is_pinned", "position"]
    list_filter = ["workspace", "is_shared", "is_pinned"]
    search_fields = ["name", "owner__username"]
