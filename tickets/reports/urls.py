"""Manager reports, ticket export and import, under the workspace: /w/<slug>/reports/.

The old /reports/... URLs (scoped by ?workspace=) redirect here.
"""

from django.urls import path

from tickets.reports import views

app_name = "reports"

base = "w/<slug:slug>/reports/"

urlpatterns = [
    path(base, views.report_index, name="index"),
    path(base + "export.csv", views.export_csv, name="export"),
    path(base + "exports/<int:pk>/", views.export_job, name="export_job"),
    path(
        base + "exports/<int:pk>/download",
        views.export_download,
        name="export_download",
    ),
    path(base + "import/", views.import_tickets, name="import"),
    path(base + "import/template.csv", views.import_template, name="template"),
    path(base + "<slug:key>.csv", views.report_csv, name="csv"),
    path("reports/", views.legacy_redirect, name="pick"),
    path("reports/<path:rest>", views.legacy_redirect, name="pick"),
]
