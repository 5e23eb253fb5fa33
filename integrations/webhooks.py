"""Inbound webhooks: one endpoint per connection, authenticated by its platform's
adapter (see the registry's `webhook` of each platform) on the raw body before
anything is parsed, deduplicated by event id, applied only when newer.

Two addresses reach it: /api/v1/workspaces/<slug>/integrations/webhooks/<uuid>/
(shown for every connection; a connection of another workspace is not found there)
and the first one, /integrations/webhooks/<uuid>/, which platforms set up earlier
keep using. Errors carry the API's error body."""

import json
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helpdesk.lib.errors import json_error
from integrations.base import SyncError, WebhookRejected
from integrations.models import Connection, WebhookEvent
from integrations.pull import apply_remote
from integrations.registry import adapter_for

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


@csrf_exempt
@require_POST
def receive(
    request: HttpRequest, connection_uuid, workspace_slug: str | None = None
) -> JsonResponse:
    connections = Connection.objects.filter(
        uuid=connection_uuid, enabled=True, pull_enabled=True
    )
    if workspace_slug is not None:
        connections = connections.filter(workspace__slug=workspace_slug)
    connection = connections.select_related("workspace").first()
    if connection is None:
        return json_error("not_found", "Unknown connection.", status=404)
    body = request.body
    if len(body) > MAX_BODY:
        return json_error("too_large", "Body too large.", status=413)
    adapter = adapter_for(connection)
    try:
        adapter.verify_webhook(request.headers, body)
    except (WebhookRejected, ValidationError) as exc:
        log.warning("webhook for connection %s refused: %s", connection.pk, exc)
        return json_error("not_authenticated", "Signature check failed.", status=401)
    try:
        data = adapter.parse_webhook(body)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        return json_error("invalid", "Unreadable event.", status=400)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                connection=connection,
                event_id=data.event_id[:200],
                remote_id=data.ticket.remote_id,
            )
            outcome = apply_remote(connection, data.ticket, adapter)
            event.outcome = outcome
            event.save(update_fields=["outcome"])
    except IntegrityError:
        return JsonResponse({"status": "duplicate"}, status=200)
    except SyncError as exc:
        # Nothing was kept, so the platform's redelivery will be taken.
        return json_error("unavailable", exc.message, status=503)
    return JsonResponse({"status": outcome}, status=200)
