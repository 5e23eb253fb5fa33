"""Invitations: the link's page and the API. Mounted by helpdesk.urls."""

from django.urls import path

from helpdesk import invitation_views, members_api

invitation_list = members_api.InvitationViewSet.as_view(
    {"get": "list", "post": "create"}
)
invitation_detail = members_api.InvitationViewSet.as_view({"delete": "destroy"})

urlpatterns = [
    path(
        "invitations/<str:token>/",
        invitation_views.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "api/v1/workspaces/<slug:workspace_slug>/invitations/",
        invitation_list,
        name="api-invitation-list",
    ),
    path(
        "api/v1/workspaces/<slug:workspace_slug>/invitations/<str:pk>/",
        invitation_detail,
        name="api-invitation-detail",
    ),
]
