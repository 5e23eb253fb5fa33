"""The integrations API and the workspace's webhook addresses, under /api/v1/.

Mounted by helpdesk.urls with `path("api/v1/", include("integrations.api_urls"))`."""

from django.urls import path

from integrations import api, webhooks

app_name = "integrations-api"

WORKSPACE = "workspaces/<slug:workspace_slug>/"
INTEGRATIONS = WORKSPACE + "integrations/"

connections = api.ConnectionViewSet.as_view({"get": "list", "post": "create"})
connection = api.ConnectionViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
connection_test = api.ConnectionViewSet.as_view({"post": "test"})
connection_health = api.ConnectionViewSet.as_view({"get": "health"})

urlpatterns = [
    path(INTEGRATIONS + "connections/", connections, name="connection-list"),
    path(
        INTEGRATIONS + "connections/<uuid:uuid>/",
        connection,
        name="connection-detail",
    ),
    path(
        INTEGRATIONS + "connections/<uuid:uuid>/test/",
        connection_test,
        name="connection-test",
    ),
    path(
        INTEGRATIONS + "connections/<uuid:uuid>/health/",
        connection_health,
        name="connection-health",
    ),
    path(
        INTEGRATIONS + "webhooks/<uuid:connection_uuid>/",
        webhooks.receive,
        name="webhook",
    ),
    path(
        WORKSPACE + "tickets/<str:ref>/sync/retry/",
        api.TicketSyncRetryView.as_view(),
        name="ticket-sync-retry",
    ),
]
