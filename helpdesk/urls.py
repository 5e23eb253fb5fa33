from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from helpdesk.views import healthz

# A URL no route matches: JSON under /api/, the usual page elsewhere.
handler404 = "helpdesk.views.not_found"
# Any other failure: JSON for the API and webhooks, a styled page elsewhere; 503
# while the database is unreachable.
handler500 = "helpdesk.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask every site for /favicon.ico, admin and API pages included.
    path("favicon.ico", RedirectView.as_view(url=static("helpdesk/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("helpdesk.password_reset")),
    path("", include("helpdesk.invitation_urls")),
    path("", include("tickets.reports.urls")),
    path("api/v1/", include("integrations.api_urls")),
    path("api/v1/", include("messaging.api_urls")),
    path("api/v1/", include("knowledge.api_urls")),
    path("api/v1/", include("tickets.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its script from a URL: no inline script (CSP).
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("integrations/", include("integrations.urls")),
    path("", include("integrations.ui_urls")),
    path("", include("messaging.urls")),
    path("", include("knowledge.urls")),
    path("", include("tickets.ui.settings_urls")),
    path("", include("tickets.ui.urls")),
]
