"""Celery tasks: idempotent, taking ids; the database is the queue (the outbox), so a
lost or doubled task delivers nothing twice."""

import logging

from celery import shared_task

from integrations import outbox, pull
from integrations.base import SyncError
from integrations.models import Connection

log = logging.getLogger(__name__)
# A webhook's comment read is retried this many times (with the outbox's
# backoff) before it is left to the next pull.
COMMENT_READ_RETRIES = 6


@shared_task(acks_late=True, ignore_result=True)
def drain_outbox(connection_id: int | None = None) -> dict:
    result = outbox.drain(connection_id=connection_id)
    return result.__dict__


@shared_task(acks_late=True, ignore_result=True)
def pull_changes(connection_id: int | None = None) -> dict:
    if connection_id is None:
        return {str(k): v for k, v in pull.pull_all().items()}
    connection = Connection.objects.get(pk=connection_id)
    return pull.pull_connection(connection)


@shared_task(
    bind=True, acks_late=True, ignore_result=True, max_retries=COMMENT_READ_RETRIES
)
def pull_comments(self, connection_id: int, remote_id: str) -> int:
    """Read a webhook's ticket's new comments (pull.link_comments_pull): applied
    once (each remote comment is linked once), retried while the platform fails
    transiently, then left to the next pull."""
    try:
        return pull.link_comments_pull(connection_id, remote_id)
    except SyncError as exc:
        if not exc.permanent and self.request.retries < self.max_retries:
            countdown = outbox.backoff(self.request.retries + 1, exc.retry_after)
            raise self.retry(countdown=countdown) from exc
        log.warning("Comments of %s left to the next pull: %s", remote_id, exc)
        pull.link_comments_give_up(connection_id, remote_id)
        return 0


def queue_comments_pull(connection_id: int, remote_id: str) -> None:
    pull_comments.delay(connection_id, remote_id)
