from django.urls import path

from knowledge import insights_views, views

app_name = "knowledge"

ticket = "w/<slug:slug>/tickets/<int:number>/insights/"
articles = "w/<slug:slug>/articles/"

urlpatterns = [
    path(ticket, insights_views.insights_pane, name="insights"),
    path(ticket + "regenerate/", insights_views.insights_regenerate, name="regenerate"),
    path(ticket + "feedback/", insights_views.insights_feedback, name="feedback"),
    path(ticket + "article/", insights_views.article_from_ticket, name="from_ticket"),
    path(
        "w/<slug:slug>/reports/insights-feedback/",
        insights_views.feedback_report,
        name="feedback_report",
    ),
    path(articles, views.article_index, name="index"),
    path(articles + "new/", views.article_new, name="article_new"),
    path(articles + "preview/", views.article_preview, name="preview"),
    path(articles + "<int:pk>/", views.article_detail, name="article"),
    path(articles + "<int:pk>/edit/", views.article_edit, name="article_edit"),
    path(articles + "<int:pk>/delete/", views.article_delete, name="article_delete"),
]
