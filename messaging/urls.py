"""The channels page, /w/<slug>/channels/ (mounted by helpdesk.urls)."""

from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("w/<slug:slug>/channels/", views.channels, name="channels"),
]
