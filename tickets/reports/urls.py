"""Manager reports, ticket export and import: mounted at /reports/."""

from django.urls import path

from tickets import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.report_index, name="index"),
    path("export.csv", report_views.export_csv, name="export"),
    path("exports/<int:pk>/", report_views.export_job, name="export_job"),
    path(
        "exports/<int:pk>/download",
        report_views.export_download,
        name="export_download",
    ),
    path("import/", report_views.import_tickets, name="import"),
    path("<slug:key>.csv", report_views.report_csv, name="csv"),
]
