"""The channels API under /api/v1/workspaces/{slug}/channels/.

Mounted by helpdesk.urls with `path("api/v1/", include("messaging.api_urls"))`."""

from django.urls import path

from messaging import api

app_name = "messaging-api"

CHANNELS = "workspaces/<slug:workspace_slug>/channels/"

channels = api.ChannelViewSet.as_view({"get": "list", "post": "create"})
channel = api.ChannelViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path(CHANNELS, channels, name="channel-list"),
    path(CHANNELS + "<uuid:uuid>/", channel, name="channel-detail"),
]
