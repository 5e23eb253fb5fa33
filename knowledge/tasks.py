"""Knowledge jobs run by Celery: computing a ticket's insights."""

from celery import shared_task

from knowledge import services


@shared_task(name="knowledge.refresh_insights")
def refresh_insights(ticket_ids: list[int]) -> int:
    """Compute the insights of each ticket (idempotent: one row per ticket version,
    replaced). Returns how many were computed."""
    return sum(1 for pk in ticket_ids if services.insight_refresh(ticket_id=pk))
