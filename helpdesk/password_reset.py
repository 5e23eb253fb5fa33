"""Self-service password reset with Django's views (e-mailed one-time link),
rate limited, answering the same whether or not the address belongs to anyone.

Limits (fixed windows, one cache increment each): PASSWORD_RESET_RATE per client
address, and the same per e-mail address. Over the client limit the form answers
429; over the address limit the request is answered like any other but no e-mail
is sent, so the answer says nothing about the address either way.
"""

import hashlib
import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.urls import path, reverse_lazy
from redis.exceptions import RedisError

from helpdesk.lib.rates import parse_rate


def _over(kind: str, value: str) -> bool:
    limit, period = parse_rate(settings.PASSWORD_RESET_RATE)
    digest = hashlib.sha256(value.lower().encode()).hexdigest()[:32]
    key = f"password-reset:{kind}:{digest}:{int(time.time() // period)}"
    try:
        cache.add(key, 0, timeout=period + 5)
        return cache.incr(key) > limit
    except (RedisError, OSError, ValueError):
        return False  # a cache outage must not stop people resetting


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        if _over("client", request.META.get("REMOTE_ADDR", "")):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, "Too many reset requests; try again later.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if _over("address", form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


urlpatterns = [
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
