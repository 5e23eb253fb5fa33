"""Core jobs run by Celery: delivering queued notifications."""

from celery import shared_task

from helpdesk import notifications


@shared_task(name="helpdesk.deliver_notifications", acks_late=True, ignore_result=True)
def deliver_notifications() -> int:
    """Beat job: send pending notification e-mails (each exactly once)."""
    return notifications.deliver_pending()
