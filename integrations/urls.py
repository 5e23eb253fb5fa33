"""Webhooks and the connections API.

Mount with `path("integrations/", include("integrations.urls"))`."""

from django.urls import path

from integrations import api, webhooks

app_name = "integrations"

connections = api.ConnectionViewSet.as_view({"get": "list", "post": "create"})
connection = api.ConnectionViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
connection_test = api.ConnectionViewSet.as_view({"post": "test"})

urlpatterns = [
    path("webhooks/<uuid:connection_uuid>/", webhooks.receive, name="webhook"),
    path(
        "api/<slug:workspace_slug>/connections/",
        connections,
        name="connection-list",
    ),
    path(
        "api/<slug:workspace_slug>/connections/<uuid:uuid>/",
        connection,
        name="connection-detail",
    ),
    path(
        "api/<slug:workspace_slug>/connections/<uuid:uuid>/test/",
        connection_test,
        name="connection-test",
    ),
    path(
        "api/<slug:workspace_slug>/tickets/<int:number>/sync/retry/",
        api.TicketSyncRetryView.as_view(),
        name="ticket-sync-retry",
    ),
]
