from django.urls import path

from tickets.ui.views import panel as views

app_name = "tickets"

ticket = "w/<slug:slug>/tickets/<int:number>/"

urlpatterns = [
    path("", views.home, name="list"),
    path("w/<slug:slug>/tickets/", views.ticket_index, name="index"),
    path("w/<slug:slug>/tickets/bulk/", views.ticket_bulk, name="bulk"),
    path(ticket, views.ticket_detail, name="detail"),
    path(ticket + "status/", views.ticket_status, name="status"),
    path(ticket + "field/", views.ticket_field, name="field"),
    path(ticket + "tags/", views.ticket_tags, name="tags"),
    path(ticket + "comment/", views.ticket_comment, name="comment"),
    path(ticket + "snooze/", views.ticket_snooze, name="snooze"),
    path(ticket + "move/", views.ticket_move, name="move"),
    path(
        "w/<slug:slug>/conversations/<int:conversation_id>/ticket/",
        views.ticket_from_conversation,
        name="from_conversation",
    ),
    path("w/<slug:slug>/views/", views.saved_view_create, name="view_create"),
    path(
        "w/<slug:slug>/views/<int:pk>/delete/",
        views.saved_view_delete,
        name="view_delete",
    ),
]
