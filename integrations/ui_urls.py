"""The integrations page under the workspace: /w/<slug>/settings/integrations/.

Mounted by helpdesk.urls with `path("", include("integrations.ui_urls"))`."""

from django.urls import path

from integrations import views

app_name = "integrations-ui"

urlpatterns = [
    path(
        "w/<slug:slug>/settings/integrations/",
        views.integrations_page,
        name="index",
    ),
]
