"""What the e-mail service says after sending (django-anymail's tracking webhooks,
/anymail/<esp>/tracking/): a bounce or a rejection fails the delivery and tells the
author; a delivery report marks it delivered."""

import logging

from django.db.models import Q

from messaging import delivery as deliveries
from messaging.models import Delivery

log = logging.getLogger(__name__)

FAILED = {"bounced", "rejected", "failed"}


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail.signals.tracking receiver."""
    if event.event_type not in FAILED | {"delivered"}:
        return
    message_id = (event.message_id or "").strip()
    if not message_id:
        return
    found = (
        Delivery.objects.filter(
            Q(esp_message_id=message_id) | Q(email_message_id=message_id),
            route=Delivery.Route.EMAIL,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        log.info("%s %s for unknown message %s", esp_name, event.event_type, message_id)
        return
    if event.event_type == "delivered":
        deliveries.mark(found, Delivery.State.DELIVERED)
        return
    reason = event.description or event.mta_response or event.reject_reason or ""
    deliveries.mark(
        found,
        Delivery.State.FAILED,
        f"{esp_name} reports the e-mail {event.event_type}: {reason}".strip(": "),
    )
