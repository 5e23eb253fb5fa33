"""Messaging jobs run by Celery: the IMAP poll (beat, INBOUND_IMAP_POLL_SECONDS)."""

from celery import shared_task

from messaging.inbound.imap import poll_all


@shared_task(name="messaging.poll_imap")
def poll_imap() -> int:
    """Beat job: read new mail from every active IMAP mailbox; returns how many."""
    return sum(result.fetched for result in poll_all())
