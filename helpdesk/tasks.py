"""Core jobs run by Celery: delivering queued notifications, daily housekeeping."""

from celery import shared_task

from helpdesk import housekeeping, notifications


@shared_task(name="helpdesk.deliver_notifications", acks_late=True, ignore_result=True)
def deliver_notifications() -> int:
    """Beat job: send pending notification e-mails (each exactly once)."""
    return notifications.deliver_pending()


@shared_task(name="helpdesk.housekeeping", ignore_result=True)
def prune_expired() -> dict:
    """Beat job: drop old Idempotency-Key answers and abandoned import previews."""
    return {
        "idempotency_keys": housekeeping.prune_idempotency_keys(),
        "import_previews": housekeeping.prune_import_previews(),
    }
