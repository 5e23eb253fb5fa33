"""SLA jobs run by Celery beat."""

from celery import shared_task

from sla import services


@shared_task(name="sla.sweep", acks_late=True, ignore_result=True)
def sla_sweep() -> dict[str, int]:
    """Beat job: mark due SLA warnings and breaches, each exactly once."""
    return services.sla_sweep()
