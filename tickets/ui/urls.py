from django.urls import path

from tickets.ui.views import (
    attachments,
    bulk,
    conversations,
    inline,
    live,
    macros,
    new_ticket,
    notifications,
    panel,
    saved_views,
    tickets,
)

app_name = "tickets"

ticket = "w/<slug:slug>/tickets/<int:number>/"

urlpatterns = [
    path("", tickets.home, name="list"),
    path("w/<slug:slug>/tickets/", tickets.ticket_index, name="index"),
    path("w/<slug:slug>/tickets/bulk/", bulk.ticket_bulk, name="bulk"),
    path(ticket, tickets.ticket_panel, name="detail"),
    path(ticket + "status/", panel.ticket_status, name="status"),
    path(ticket + "field/", panel.ticket_field, name="field"),
    path(ticket + "tags/", panel.ticket_tags, name="tags"),
    path(ticket + "comment/", panel.ticket_comment, name="comment"),
    path(ticket + "preview/", panel.ticket_preview, name="preview"),
    path(ticket + "thread/", panel.ticket_thread_earlier, name="thread"),
    path(ticket + "snooze/", panel.ticket_snooze, name="snooze"),
    path(ticket + "macro/", macros.macro_for_ticket, name="macro_render"),
    path(ticket + "move/", panel.ticket_move, name="move"),
    path(ticket + "delete/", panel.ticket_delete, name="delete"),
    path(ticket + "inline/", inline.ticket_inline, name="inline"),
    path(
        "w/<slug:slug>/conversations/",
        conversations.conversation_index,
        name="conversations",
    ),
    path(
        "w/<slug:slug>/conversations/<int:conversation_id>/",
        conversations.conversation_detail,
        name="conversation",
    ),
    path(
        "w/<slug:slug>/conversations/<int:conversation_id>/ticket/",
        conversations.conversation_ticket_create,
        name="from_conversation",
    ),
    path(
        "w/<slug:slug>/conversations/<int:conversation_id>/close/",
        conversations.conversation_close,
        name="conversation_close",
    ),
    path(
        "w/<slug:slug>/attachments/<uuid:key>/",
        attachments.attachment_download,
        name="attachment",
    ),
    path(
        "w/<slug:slug>/attachments/<uuid:key>/preview/",
        attachments.attachment_download,
        {"preview": True},
        name="attachment_preview",
    ),
    path("w/<slug:slug>/macros/", macros.macro_index, name="macros"),
    path("w/<slug:slug>/macros/<int:pk>/", macros.macro_edit, name="macro_edit"),
    path(
        "w/<slug:slug>/macros/<int:pk>/delete/",
        macros.macro_delete,
        name="macro_delete",
    ),
    path("w/<slug:slug>/tickets/new/", new_ticket.new_ticket, name="new"),
    path(
        "w/<slug:slug>/contacts/search/",
        new_ticket.contact_search,
        name="contact_search",
    ),
    path("w/<slug:slug>/live/", live.live, name="live"),
    path("w/<slug:slug>/live/leave/", live.live_leave, name="live_leave"),
    path(
        "w/<slug:slug>/notifications/",
        notifications.notification_list,
        name="notifications",
    ),
    path(
        "w/<slug:slug>/notifications/read/",
        notifications.notification_read,
        name="notifications_read",
    ),
    path(
        "w/<slug:slug>/notifications/email/",
        notifications.notification_email,
        name="notifications_email",
    ),
    path("w/<slug:slug>/views/", saved_views.saved_view_create, name="view_create"),
    path(
        "w/<slug:slug>/views/manage/",
        saved_views.saved_view_manage,
        name="views_manage",
    ),
    path(
        "w/<slug:slug>/views/<int:pk>/edit/",
        saved_views.saved_view_edit,
        name="view_edit",
    ),
    path(
        "w/<slug:slug>/views/<int:pk>/delete/",
        saved_views.saved_view_delete,
        name="view_delete",
    ),
]
