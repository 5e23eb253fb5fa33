"""Operational endpoints."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
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
