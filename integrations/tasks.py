"""Celery tasks: idempotent, taking ids; the database is the queue (the outbox), so a
lost or doubled task delivers nothing twice."""

from celery import shared_task

from integrations import outbox, pull
from integrations.models import Connection


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
