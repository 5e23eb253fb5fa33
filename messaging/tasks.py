"""Celery jobs: the database is the queue (Delivery rows), so a lost or doubled
task sends nothing twice."""

from celery import shared_task

from messaging import delivery


@shared_task(name="messaging.deliver_replies", acks_late=True, ignore_result=True)
def deliver_replies() -> dict:
    """Beat job: send the due public replies (chat callbacks and e-mail)."""
    return delivery.drain().__dict__
