"""Notifications as an outbox: `build` makes the rows the caller writes in its
transaction; the notification centre (helpdesk.views) lists them; `deliver_pending`
(a beat-driven worker task) claims them and sends e-mail, or marks them `skipped`
when the member turned e-mail off (Membership.email_notifications) or has no address.

The request path never touches the broker: with Redis down, rows wait and the next
sweep after it is back sends them. Claims use SKIP LOCKED and a compare-and-swap on
`state`, so two sweeps never send the same row; a worker killed after claiming
leaves a `sending` row that is reclaimed after CLAIM_TIMEOUT.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from helpdesk.models import Membership, Notification

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def build(
    *,
    recipients: Iterable,
    kind: str,
    ticket,
    subject: str,
    body: str,
    exclude=None,
) -> list[Notification]:
    """One unsaved notification per distinct active recipient (never to `exclude`,
    usually the actor: nobody is told about their own change)."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        if exclude is not None and getattr(exclude, "pk", None) == user.pk:
            continue
        if not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                workspace_id=ticket.workspace_id,
                recipient=user,
                kind=kind,
                ticket=ticket,
                subject=subject[:200],
                body=body,
            )
        )
    return rows


def _claim(limit: int) -> list[int]:
    """Flip up to `limit` due rows to `sending` and return their ids."""
    now = timezone.now()
    due = Q(state=Notification.State.PENDING) | Q(
        state=Notification.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    with transaction.atomic():
        candidates = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("created_at", "id")
            .values_list("pk", "state", "claimed_at")[:limit]
        )
        claimed = []
        for pk, state, claimed_at in candidates:
            # Compare-and-swap: only the sweep that still sees the old state wins
            # (this is what keeps SQLite, which has no row locks, exactly-once).
            won = Notification.objects.filter(
                pk=pk, state=state, claimed_at=claimed_at
            ).update(
                state=Notification.State.SENDING,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
            if won:
                claimed.append(pk)
    return claimed


def _send(notification: Notification) -> None:
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"X-Helpdesk-Notification": str(notification.pk)},
    )
    message.send(fail_silently=False)


def _wants_email(notification: Notification) -> bool:
    if not notification.recipient.email:
        return False
    return not Membership.objects.filter(
        workspace_id=notification.workspace_id,
        user_id=notification.recipient_id,
        email_notifications=False,
    ).exists()


def deliver_pending(limit: int = 200) -> int:
    """Send due notifications; returns how many were sent."""
    sent = 0
    for pk in _claim(limit):
        notification = Notification.objects.select_related("recipient").get(pk=pk)
        if not _wants_email(notification):
            Notification.objects.filter(pk=pk).update(
                state=Notification.State.SKIPPED, claimed_at=None
            )
            continue
        try:
            _send(notification)
        except Exception as exc:  # any mail failure: retry later, then give up
            logger.warning("notification %s not sent: %s", pk, exc)
            state = (
                Notification.State.FAILED
                if notification.attempts >= MAX_ATTEMPTS
                else Notification.State.PENDING
            )
            Notification.objects.filter(pk=pk).update(
                state=state, last_error=str(exc)[:1000], claimed_at=None
            )
            continue
        Notification.objects.filter(pk=pk, state=Notification.State.SENDING).update(
            state=Notification.State.SENT, sent_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent
