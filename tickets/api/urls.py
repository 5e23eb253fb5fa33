"""/api/v1/: every resource under the workspace it belongs to."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tickets.api import (
    attachments,
    conversations,
    escalations,
    exports,
    lookups,
    macros,
    saved_views,
    tickets,
)

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register(
    "conversations", conversations.ConversationViewSet, basename="conversation"
)
router.register("tags", lookups.TagViewSet, basename="tag")
router.register("labels", lookups.LabelViewSet, basename="label")
router.register("teams", lookups.TeamViewSet, basename="team")
router.register("members", lookups.MemberViewSet, basename="member")
router.register("contacts", lookups.ContactViewSet, basename="contact")
router.register("views", saved_views.SavedViewViewSet, basename="savedview")
router.register("macros", macros.MacroViewSet, basename="macro")
router.register("escalations", escalations.EscalationViewSet, basename="escalation")
router.register(
    "escalation-rules", escalations.EscalationRuleViewSet, basename="escalation-rule"
)

app_name = "api"

conversation_messages = escalations.ConversationIntakeViewSet.as_view(
    {"get": "agent_messages", "post": "messages"}
)
conversation_tickets = escalations.ConversationIntakeViewSet.as_view(
    {"post": "tickets"}
)

urlpatterns = [
    path(
        "workspaces/<slug:workspace_slug>/conversations/<int:pk>/messages/",
        conversation_messages,
        name="conversation-messages",
    ),
    path(
        "workspaces/<slug:workspace_slug>/conversations/<int:pk>/tickets/",
        conversation_tickets,
        name="conversation-tickets",
    ),
    path(
        "workspaces/<slug:workspace_slug>/tickets/export/",
        exports.TicketExportView.as_view(),
        name="ticket-export",
    ),
    path(
        "workspaces/<slug:workspace_slug>/attachments/<uuid:key>/",
        attachments.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path("workspaces/<slug:workspace_slug>/", include(router.urls)),
]
