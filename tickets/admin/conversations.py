"""The admin of conversations: messages and tickets inline, "Create a ticket"."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from helpdesk.admin import ReadOnlyInline, WorkspaceScopedAdmin
from helpdesk.lib.errors import DomainError
from tickets.intake import inbound
from tickets.models import Conversation, Message, Ticket


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["sent_at", "author_kind", "author_name", "body"]
    readonly_fields = fields


class PrimaryTicketInline(ReadOnlyInline):
    model = Ticket
    fk_name = "primary_conversation"
    verbose_name = "ticket (primary conversation)"
    verbose_name_plural = "tickets (primary conversation)"
    fields = ["number", "subject", "status", "priority"]
    readonly_fields = fields


@admin.register(Conversation)
class ConversationAdmin(WorkspaceScopedAdmin):
    scoped_foreign_keys = {"contact": "workspace"}
    list_display = [
        "__str__",
        "contact",
        "channel",
        "handled_by",
        "started_at",
        "ended_at",
        "workspace",
    ]
    list_filter = ["workspace", "channel", "handled_by"]
    search_fields = ["external_id", "contact__email", "contact__name"]
    list_select_related = ["workspace", "contact"]
    autocomplete_fields = ["contact"]
    date_hierarchy = "started_at"
    inlines = [MessageInline, PrimaryTicketInline]
    actions = ["create_ticket"]

    @admin.action(description="Create a ticket from each selected conversation")
    def create_ticket(self, request, queryset):
        made, refused = [], []
        for conversation in queryset.select_related("workspace", "contact"):
            try:
                ticket = inbound.ticket_create_from_conversation(
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
