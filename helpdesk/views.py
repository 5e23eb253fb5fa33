"""Operational endpoints and the error pages of last resort."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from django.views import defaults
from django.views.decorators.http import require_GET

from helpdesk.lib.errors import json_error


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _redis_status() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}
    return {"ok": True, "configured": True}


@require_GET
def healthz(request):
    """200 while the database answers; Redis being down is reported, not fatal."""
    database, redis_status = _database_status(), _redis_status()
    return JsonResponse(
        {
            "status": "ok" if database["ok"] else "error",
            "database": database,
            "redis": redis_status,
        },
        status=200 if database["ok"] else 503,
    )


def not_found(request, exception):
    """404 for URLs no route matches; API clients get the API's JSON error shape."""
    if request.path.startswith("/api/"):
        return json_error("not_found", "No such resource.", status=404)
    return defaults.page_not_found(request, exception)


def _is_json_surface(request) -> bool:
    return request.path.startswith("/api/") or "/webhooks/" in request.path


def server_error(request):
    """500, or 503 while the database is unreachable: the shared JSON error body
    for the API and webhooks, a styled page without debug details elsewhere. The
    page reads nothing from the database (no session, no user)."""
    exc = sys.exc_info()[1]
    outage = isinstance(exc, OperationalError | InterfaceError)
    status = 503 if outage else 500
    if outage:
        code, title = "database_unavailable", "Temporarily unavailable"
        message = "The database cannot be reached just now; try again in a moment."
    else:
        code, title = "server_error", "Something went wrong"
        message = "The error was logged; try again, or tell your administrator."
    if _is_json_surface(request):
        response = json_error(code, message, status=status)
    else:
        response = SimpleTemplateResponse(
            "503.html", {"title": title, "message": message}, status=status
        )
        response.render()
    if outage:
        response["Retry-After"] = "5"
    return response
