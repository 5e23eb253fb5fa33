"""Idempotency-Key for creating POSTs: the same key and body get the first answer
again; the same key with another body is refused (422).

The key row is inserted in the same transaction as the creation. A concurrent request
with the same key blocks on the unique index until the first one commits, then finds
the stored answer; if the first one failed and rolled back, the second one runs.
"""

import hashlib
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import QueryDict
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.lib.errors import IdempotencyKeyReused
from helpdesk.models import IdempotencyKey, Workspace

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_fingerprint(request: Request) -> str:
    data = request.data
    if isinstance(data, QueryDict):
        # A form or multipart body may repeat a key: every value counts, not the last.
        data = dict(data.lists())
    body = json.dumps(
        data, sort_keys=True, default=_upload_digest, separators=(",", ":")
    )
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _upload_digest(value) -> str:
    """An uploaded file counts by its name and content: the same key sent again
    with another file of the same name is another request."""
    if not isinstance(value, UploadedFile):
        return str(value)
    content = hashlib.sha256()
    for chunk in value.chunks():
        content.update(chunk)
    value.seek(0)
    return f"{value.name}:{content.hexdigest()}"


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
