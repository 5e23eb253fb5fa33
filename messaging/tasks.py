"""Messaging jobs run by Celery: sending public replies and the IMAP poll. The
database is the queue (Delivery rows), so a lost or doubled task sends nothing
twice."""

from celery import shared_task

from messaging import delivery
from messaging.inbound.imap import poll_all


@shared_task(name="messaging.deliver_replies", acks_late=True, ignore_result=True)
def deliver_replies() -> dict:
    """Beat job: send the due public replies (chat callbacks and e-mail)."""
    return delivery.drain().__dict__


@shared_task(name="messaging.poll_imap")
def poll_imap() -> int:
    """Beat job: read new mail from every active IMAP mailbox; returns how many."""
    return sum(result.fetched for result in poll_all())
