"""Login brute-force defence (S8): django-axes counts failed logins per username and
locks it out; this module serialises the attempts for one username and renders the
page a locked-out user sees.

Why serialise: axes checks "is this username locked?" before the password is tested
and records the failure after, in separate statements. Requests for one username
that arrive together all pass the check before any of them has recorded its
failure: with this middleware removed, the 20 concurrent wrong passwords of
tests/core/test_login_lockout.py had all 20 tested (two runs, 20 of 20). Holding a
per-username lock from the check to the recorded failure makes "at most
AXES_FAILURE_LIMIT passwords tested per lockout" hold under any concurrency.
"""

import math
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.forms import UsernameField
from django.db import connection, transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone


def _username(request: HttpRequest) -> str:
    """The username the login form will authenticate (stripped, NFKC-normalised
    exactly like the form's field), so every spelling that reaches axes as the same
    username takes the same lock."""
    raw = request.POST.get("username", "")
    return UsernameField().to_python(raw) or ""


class LoginAttemptLockMiddleware:
    """Runs each login POST (site and admin) in one transaction holding a lock on
    its username, so the lockout check, the password test and the recorded failure
    of one attempt finish before the next attempt for that username starts.

    PostgreSQL: a transaction-scoped advisory lock on a hash of the username (a hash
    collision only makes two usernames wait for each other). SQLite: the project
    opens transactions with BEGIN IMMEDIATE, which already takes the one write lock,
    so the transaction alone serialises login attempts."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: frozenset[str] | None = None

    def login_paths(self) -> frozenset[str]:
        if self._paths is None:
            self._paths = frozenset({reverse("login"), reverse("admin:login")})
        return self._paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path_info not in self.login_paths():
            return self.get_response(request)
        username = _username(request)
        if not username:
            return self.get_response(request)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        [f"helpdesk.login:{username}"],
                    )
            return self.get_response(request)


class LoginFailureHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler, with one window per username.

    Axes keeps one row per (username, IP, user agent), each with the time of its own
    last failure, and counts the rows younger than the cool-off. From one address
    that is "locked until 15 minutes after the last failure"; from rotating
    addresses each row ages out on its own, so the lock ended 15 minutes after the
    *first* failure (as early as a few seconds after the fifth). Moving every row of
    the username to the latest counted failure gives every address the one-address
    behaviour: failures add up while each comes within the cool-off of the previous
    one, and the lock lasts the full cool-off after the failure that set it."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        from axes.models import AccessAttempt

        refused_unchecked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = (credentials or {}).get("username")
        if request is None or refused_unchecked or not username:
            return
        when = request.axes_attempt_time
        AccessAttempt.objects.filter(
            username=username, attempt_time__gte=when - settings.AXES_COOLOFF_TIME
        ).update(attempt_time=when)


def lockout_ends(username: str) -> datetime:
    """When the lockout of `username` ends: its last counted failure plus the
    cool-off (a failure during the lockout is not counted, so it never extends it)."""
    from axes.models import AccessAttempt

    cool_off = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    last = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - cool_off
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or now) + cool_off


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After and a page saying when to retry."""
    username = (credentials or {}).get("username") or ""
    retry_at = lockout_ends(username)
    seconds = max(1, math.ceil((retry_at - timezone.now()).total_seconds()))
    response = render(
        request,
        "registration/locked_out.html",
        {
            "retry_at": retry_at,
            "minutes": math.ceil(seconds / 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "is_admin": request.path_info == reverse("admin:login"),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
