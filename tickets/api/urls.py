"""/api/v1/: every resource under the workspace it belongs to."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tickets.api import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("conversations", views.ConversationViewSet, basename="conversation")
router.register("tags", views.TagViewSet, basename="tag")
router.register("labels", views.LabelViewSet, basename="label")
router.register("teams", views.TeamViewSet, basename="team")
router.register("members", views.MemberViewSet, basename="member")
router.register("views", views.SavedViewViewSet, basename="savedview")

app_name = "api"

urlpatterns = [
    path("workspaces/<slug:workspace_slug>/", include(router.urls)),
]
