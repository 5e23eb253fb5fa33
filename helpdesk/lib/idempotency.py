"""Idempotency-Key for creating POSTs: the same key and body get the first answer
again; the same key with another body is refused (422).

The key row is inserted in the same transaction as the creation. A concurrent request
with the same key blocks on the unique index until the first one commits, then finds
the stored answer; if the first one failed and rolled back, the second one runs.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.lib.errors import IdempotencyKeyReused
from helpdesk.models import IdempotencyKey, Workspace

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotent(
    request: Request, *, workspace: Workspace, create: Callable[[], Response]
) -> Response:
    """Run `create()` once per Idempotency-Key (when the header is present)."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return create()
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        from rest_framework.exceptions import ValidationError

        # The draft standard's key is a printable ASCII string; a NUL byte would
        # otherwise reach PostgreSQL and fail the request with a 500.
        raise ValidationError(
            {HEADER: [f"At most {MAX_KEY_LENGTH} printable ASCII characters."]}
        )
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    workspace=workspace,
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    response_status=0,
                    response_body={},
                )
        except IntegrityError:
            stored = IdempotencyKey.objects.get(
                workspace=workspace, user=request.user, key=key
            )
            if stored.fingerprint != fingerprint:
                raise IdempotencyKeyReused() from None
            response = Response(stored.response_body, status=stored.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        response = create()
        if response.status_code >= 400:
            transaction.set_rollback(True)
            return response
        row.response_status = response.status_code
        row.response_body = response.data
        row.save(update_fields=["response_status", "response_body"])
    return response
