from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from helpdesk.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("integrations/", include("integrations.urls")),
    path("", include("tickets.urls")),
]
