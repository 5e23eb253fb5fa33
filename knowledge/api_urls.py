"""The knowledge API: mounted by helpdesk.urls with
`path("api/v1/", include("knowledge.api_urls"))`."""

from django.urls import path

from knowledge import api

app_name = "knowledge-api"

ARTICLES = "workspaces/<slug:workspace_slug>/articles/"
INSIGHTS = "workspaces/<slug:workspace_slug>/tickets/<int:number>/insights/"

articles = api.ArticleViewSet.as_view({"get": "list", "post": "create"})
article = api.ArticleViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)
published = api.ArticleViewSet.as_view({"get": "published"})
insights = api.TicketInsightsViewSet.as_view({"get": "retrieve"})
regenerate = api.TicketInsightsViewSet.as_view({"post": "regenerate"})
feedback = api.TicketInsightsViewSet.as_view({"post": "feedback"})

urlpatterns = [
    path(ARTICLES, articles, name="article-list"),
    path(ARTICLES + "published/", published, name="article-published"),
    path(ARTICLES + "<int:pk>/", article, name="article-detail"),
    path(INSIGHTS, insights, name="insights"),
    path(INSIGHTS + "regenerate/", regenerate, name="insights-regenerate"),
    path(INSIGHTS + "feedback/", feedback, name="insights-feedback"),
]
