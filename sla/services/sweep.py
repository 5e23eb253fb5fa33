"""The SLA beat job: mark due breaches and warnings exactly once, with their timeline
events and their e-mails (to the assignee; on a breach also the team's managers)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from helpdesk import notifications
from helpdesk.actors import SLA_ACTOR
from helpdesk.models import Membership, Notification
from sla.models import Metric, SlaTarget
from tickets import events
from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind
RUNNING = Q(fulfilled_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True)


def _claim(queryset, limit: int) -> list[SlaTarget]:
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("ticket__workspace", "ticket__assignee", "ticket__team")
        .order_by("due_at", "id")[:limit]
    )


def sla_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Mark due breaches, then due warnings, each exactly once.

    Rows are claimed with SKIP LOCKED, so a second sweep running at the same time
    (two beats) skips them and marks nothing twice; a claimed row was re-read when it
    was locked, so it is still due. Each batch is flipped in one UPDATE, in the same
    transaction as its events and notifications. Reads go through the partial
    indexes sla_target_breach_due and sla_target_warn_due.
    """
    now = now or timezone.now()
    with transaction.atomic():
        breached = _claim(SlaTarget.objects.filter(RUNNING, due_at__lte=now), limit)
        SlaTarget.objects.filter(pk__in=[t.pk for t in breached]).update(
            breached_at=now, warned_at=Coalesce("warned_at", Value(now))
        )
        _record_clocks(breached, Kind.SLA_BREACHED)
    with transaction.atomic():
        due_warnings = SlaTarget.objects.filter(
            RUNNING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
        )
        warned = _claim(due_warnings, limit)
        SlaTarget.objects.filter(pk__in=[t.pk for t in warned]).update(warned_at=now)
        _record_clocks(warned, Kind.SLA_WARNING)
    return {"breached": len(breached), "warned": len(warned)}


def _record_clocks(targets: list[SlaTarget], kind: str) -> None:
    """One event per clock, then their notifications in one INSERT."""
    if not targets:
        return
    recorded = events.record_many(
        [
            (t.ticket, kind, {"metric": t.metric, "due_at": t.due_at.isoformat()})
            for t in targets
        ],
        SLA_ACTOR,
    )
    managers: dict[int, list] = {}  # by team id
    rows: list[Notification] = []
    for event in recorded:
        rows += _notifications_for(event, managers)
    if rows:
        Notification.objects.bulk_create(rows)


def _team_managers(ticket: Ticket, managers: dict[int, list]) -> list:
    """The managers and admins among the ticket's team (read once per team)."""
    if ticket.team_id is None:
        return []
    if ticket.team_id not in managers:
        managers[ticket.team_id] = [
            m.user
            for m in Membership.objects.filter(
                workspace_id=ticket.workspace_id,
                role__in=[Membership.Role.MANAGER, Membership.Role.ADMIN],
                user__in=ticket.team.members.all(),
            ).select_related("user")
        ]
    return managers[ticket.team_id]


def _notifications_for(event: TicketEvent, managers: dict) -> list[Notification]:
    """A warning goes to the assignee; a breach also to the team's managers."""
    ticket = event.ticket
    ref = f"{ticket.ref} {ticket.subject}"
    metric = Metric(event.data["metric"]).label
    breached = event.kind == Kind.SLA_BREACHED
    recipients = [ticket.assignee] if ticket.assignee_id else []
    if breached:
        recipients = recipients + _team_managers(ticket, managers)
    return notifications.build(
        recipients=recipients,
        kind=Notification.Kind.SLA_BREACHED
        if breached
        else Notification.Kind.SLA_WARNING,
        ticket=ticket,
        subject=f"SLA {'breached' if breached else 'at risk'}: {metric} on {ref}",
        body=f"{metric} on {ref} is due at {event.data['due_at']}.",
    )
