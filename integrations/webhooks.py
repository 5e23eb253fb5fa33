"""Inbound webhooks: one endpoint per connection, authenticated by its platform's
adapter (see the registry's `webhook` of each platform) on the raw body before
anything is parsed, deduplicated by event id, applied only when newer. Values over
our limits are fitted (integrations.normalise) with warnings on the event's record;
a signed event is never answered with a retry loop (5xx or 4xx) for its content.

Two addresses reach it: /api/v1/workspaces/<slug>/integrations/webhooks/<uuid>/
(shown for every connection; a connection of another workspace is not found there)
and the first one, /integrations/webhooks/<uuid>/, which platforms set up earlier
keep using. Errors carry the API's error body."""

import json
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helpdesk.lib.errors import DomainError, json_error
from helpdesk.lib.parsing import MAX_JSON_DEPTH, JSONTooDeep, loads_json
from integrations.base import SyncError, WebhookData, WebhookRejected
from integrations.models import Connection, WebhookEvent
from integrations.normalise import event_id, fit_raw, normalise_remote
from integrations.pull import apply_remote
from integrations.registry import adapter_for
from integrations.tasks import queue_comments_pull

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
        # The signature first: nothing of the request (not even its timestamp
        # header) is parsed before it is checked.
        adapter.verify_webhook(request.headers, body)
    except (WebhookRejected, ValidationError, ValueError) as exc:
        log.warning("webhook for connection %s refused: %s", connection.pk, exc)
        return json_error("not_authenticated", "Signature check failed.", status=401)
    data, warnings = _read(adapter, body)
    if data is None:
        # Signed by the platform, so redelivering it would never help: taken
        # (200) and logged, not refused into a retry loop.
        log.warning("webhook for connection %s ignored: %s", connection.pk, warnings)
        return JsonResponse({"status": "ignored", "warnings": warnings}, status=200)
    remote, fitted = normalise_remote(data.ticket)
    return _apply(
        connection, adapter, event_id(data.event_id), remote, warnings + fitted
    )


def _read(adapter, body: bytes) -> tuple[WebhookData | None, list[str]]:
    """The signed event (tags sent as one string made a list first), or None
    and why it cannot be read."""
    warnings: list[str] = []
    try:
        payload = loads_json(body)
        fit_raw(payload, warnings)
        return adapter.parse_webhook(json.dumps(payload).encode()), warnings
    except JSONTooDeep:
        return None, [f"nested deeper than {MAX_JSON_DEPTH} levels"]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return None, [f"unreadable event ({type(exc).__name__})"]


def _apply(connection, adapter, event: str, remote, warnings) -> JsonResponse:
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                connection=connection,
                event_id=event,
                remote_id=remote.remote_id,
                warnings=warnings,
            )
            try:
                with transaction.atomic():
                    outcome = apply_remote(
                        connection, remote, adapter, read_comments=False
                    )
            except (DomainError, ValidationError) as exc:
                outcome = "refused"
                record.warnings = [*warnings, f"not applied: {exc}"[:500]]
            record.outcome = outcome
            record.save(update_fields=["outcome", "warnings"])
            if outcome in ("created", "updated", "unchanged"):
                # Comments are read by the queue once this commits: the webhook
                # answers without waiting for the platform, and its outage
                # fails no webhook.
                transaction.on_commit(
                    partial(queue_comments_pull, connection.pk, remote.remote_id),
                    robust=True,
                )
    except IntegrityError:
        return JsonResponse({"status": "duplicate"}, status=200)
    except SyncError as exc:
        # Nothing was kept, so the platform's redelivery will be taken.
        return json_error("unavailable", exc.message, status=503)
    if warnings:
        log.warning("webhook %s for connection %s: %s", event, connection.pk, warnings)
    return JsonResponse({"status": outcome, "warnings": record.warnings}, status=200)
