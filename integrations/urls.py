"""The first webhook address, /integrations/webhooks/<connection uuid>/: platforms
configured before the API moved under /api/v1/ keep posting here. New connections
show /api/v1/workspaces/<slug>/integrations/webhooks/<uuid>/ (integrations.api_urls).

Mount with `path("integrations/", include("integrations.urls"))`."""

from django.urls import path

from integrations import webhooks

app_name = "integrations"

urlpatterns = [
    path("webhooks/<uuid:connection_uuid>/", webhooks.receive, name="webhook"),
]
