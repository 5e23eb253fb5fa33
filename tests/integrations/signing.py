"""Sign webhook bodies the way each platform does."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from integrations.gorgias.adapter import SECRET_HEADER
from tests.integrations.conftest import WEBHOOK_SECRET


def zendesk_headers(body: bytes, *, age: float = 0, secret=WEBHOOK_SECRET) -> dict:
    stamp = (datetime.now(UTC) - timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(
        hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    return {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature,
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": stamp,
    }


def kustomer_headers(body: bytes, secret=WEBHOOK_SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_KUSTOMER_WEBHOOK_SIGNATURE": digest}


def gorgias_headers(secret=WEBHOOK_SECRET) -> dict:
    return {"HTTP_" + SECRET_HEADER.upper().replace("-", "_"): secret}


def zendesk_event(event_id: str, ticket: dict, **detail) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": "zen:event-type:ticket.status_changed",
            "detail": {**ticket, **detail},
        }
    ).encode()
