"""The channels page, /w/<slug>/channels/, and the e-mail services' tracking
webhooks, /anymail/<esp>/tracking/ (mounted by helpdesk.urls)."""

from django.urls import path

from messaging import views, webhooks

app_name = "messaging"

urlpatterns = [
    path("w/<slug:slug>/channels/", views.channels, name="channels"),
    # The e-mail services' delivery reports (bounces fail the reply).
    path("anymail/<slug:esp>/tracking/", webhooks.tracking, name="tracking"),
]
