"""The drain: send due deliveries, each exactly once, in order per thread.

Each delivery is sent inside a transaction that holds its row lock (SELECT ... FOR
UPDATE SKIP LOCKED), so two workers never take the same row; a worker that dies
mid-send drops its lock with its connection and the row, still queued, is sent
again by the next sweep (the receiver drops the repeat by its idempotency key). A
delivery waits while an earlier one of its thread (a conversation, or a ticket's
e-mail) is queued, so replies arrive in the order they were written. Transient
failures (timeouts, 5xx, 429, an SMTP server that is away) retry with exponential
backoff, never sooner than the Retry-After asked; permanent ones, or too many
attempts, fail the delivery and tell the reply's author."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from helpdesk import notifications
from helpdesk.models import Notification
from integrations.outbox import backoff
from messaging import transports
from messaging.models import Delivery
from messaging.transports import SendError

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _due():
    now = timezone.now()
    earlier = Delivery.objects.filter(
        thread_key=OuterRef("thread_key"),
        state=Delivery.State.QUEUED,
        id__lt=OuterRef("id"),
    )
    return (
        Delivery.objects.filter(state=Delivery.State.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(~Exists(earlier))
        .order_by("id")
    )


def drain(*, limit: int = 500) -> DrainResult:
    """Send up to `limit` due deliveries. Safe to run in several workers at once."""
    result = DrainResult()
    with transports.Sender() as sender:
        for _ in range(limit):
            with transaction.atomic():
                delivery = (
                    _due()
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("channel", "ticket", "comment")
                    .first()
                )
                if delivery is None:
                    break
                _attempt(delivery, sender, result)
    return result


def _attempt(delivery: Delivery, sender, result: DrainResult) -> None:
    delivery.attempts += 1
    try:
        delivery.esp_message_id = sender.send(delivery)
    except SendError as exc:
        _failed(delivery, exc, result)
        return
    # A chat platform's 2xx means it has the message (delivered); an e-mail is
    # delivered when the ESP's tracking webhook says so (mark()).
    now = timezone.now()
    if delivery.route == Delivery.Route.CHAT:
        delivery.state, delivery.delivered_at = Delivery.State.DELIVERED, now
    else:
        delivery.state = Delivery.State.SENT
    delivery.sent_at = now
    delivery.reason = ""
    delivery.next_attempt_at = None
    delivery.save()
    result.sent += 1


def _failed(delivery: Delivery, exc: SendError, result: DrainResult) -> None:
    log.info("delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, exc)
    if exc.permanent or delivery.attempts >= settings.SYNC_MAX_ATTEMPTS:
        reason = str(exc)
        if not exc.permanent:
            reason = f"Gave up after {delivery.attempts} attempts: {exc}"
        fail(delivery, reason)
        result.failed += 1
        return
    delivery.reason = str(exc)[:2000]
    delivery.next_attempt_at = timezone.now() + timedelta(
        seconds=backoff(delivery.attempts, exc.retry_after)
    )
    delivery.save()
    result.retrying += 1


def fail(delivery: Delivery, reason: str) -> None:
    """Mark `delivery` failed for good and tell the reply's author (a notification
    written in the same transaction: sent by the notifications outbox)."""
    with transaction.atomic():
        delivery.state = Delivery.State.FAILED
        delivery.reason = reason[:2000]
        delivery.next_attempt_at = None
        delivery.save()
        comment, ticket = delivery.comment, delivery.ticket
        rows = notifications.build(
            recipients=[comment.author],
            kind=Notification.Kind.REPLY_FAILED,
            ticket=ticket,
            subject=f"[{ticket.ref}] Your reply did not reach the customer",
            body=f"Your reply on {ticket.ref} ({ticket.subject}) was not delivered "
            f"by {delivery.get_route_display().lower()}: {reason}\n\n"
            f"{comment.body[:500]}",
        )
        Notification.objects.bulk_create(rows)


def mark(delivery_id: int, state: str, reason: str = "") -> None:
    """Record what the channel later said (delivered, or a bounce: failed)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("comment", "ticket")
            .get(pk=delivery_id)
        )
        if state == Delivery.State.FAILED:
            if delivery.state != Delivery.State.FAILED:
                fail(delivery, reason)
        elif delivery.state == Delivery.State.SENT:
            delivery.state = Delivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.save(update_fields=["state", "delivered_at"])
