"""Demo data that is happening now: SLA clocks overdue and at risk, snoozed tickets
waking in the next minutes, unread customer replies. Without these every clock of
the freshly seeded tickets starts at seed time and the SLA and unread features
cannot be seen."""

from datetime import timedelta

from django.utils import timezone

from helpdesk.actors import CUSTOMER_ACTOR
from sla.models import Metric, SlaTarget
from sla.services.sweep import sla_sweep
from tickets import conversations, services, workflow
from tickets.conversations import MessageInput
from tickets.models import Message, Ticket

OVERDUE, AT_RISK, WAKING, UNREAD = 4, 4, 3, 2


def stage_moments(workspace, agent) -> dict[str, int]:
    """Move a few of the workspace's tickets into the states above; the counts."""
    now = timezone.now()
    clocks = list(
        SlaTarget.objects.filter(
            workspace=workspace,
            metric=Metric.FIRST_RESPONSE,
            fulfilled_at__isnull=True,
            breached_at__isnull=True,
            paused_at__isnull=True,
            ticket__status__in=workflow.ACTIVE_STATUSES,
            ticket__snoozed_until__isnull=True,
        ).order_by("ticket__number")[: OVERDUE + AT_RISK]
    )
    for index, clock in enumerate(clocks):
        # Overdue by 10-40 minutes, or due in 20-50 minutes with its warning passed.
        offset = timedelta(minutes=10 + 10 * (index % OVERDUE))
        clock.due_at = now - offset if index < OVERDUE else now + offset * 2
        clock.warn_at = min(clock.due_at, now) - timedelta(minutes=5)
        clock.started_at = clock.due_at - timedelta(seconds=clock.target_seconds)
        clock.save(update_fields=["due_at", "warn_at", "started_at"])
    swept = sla_sweep(now=now)
    return {
        "breached": swept["breached"],
        "at_risk": swept["warned"],
        "waking": _waking_soon(workspace, agent, now),
        "unread": _customer_replies(workspace, agent, now),
    }


def _waking_soon(workspace, agent, now) -> int:
    snoozed = Ticket.objects.filter(workspace=workspace, snoozed_until__isnull=False)
    tickets = list(snoozed.order_by("number")[:WAKING])
    for position, ticket in enumerate(tickets, start=1):
        until = now + timedelta(minutes=2 * position)  # 2, 4, 6 minutes from now
        services.ticket_snooze(ticket=ticket, until=until, actor=agent)
    return len(tickets)


def _customer_replies(workspace, agent, now) -> int:
    """The customer wrote again on two of the demo agent's tickets."""
    tickets = Ticket.objects.filter(
        workspace=workspace,
        assignee=agent,
        status=workflow.Status.WAITING_ON_CONTACT,
        primary_conversation__isnull=False,
    ).select_related("primary_conversation__contact")[:UNREAD]
    for ticket in tickets:
        conversation = ticket.primary_conversation
        name = conversation.contact.name if conversation.contact else "Customer"
        added = conversations.messages_append(
            conversation,
            [
                MessageInput(
                    author_kind=Message.AuthorKind.CONTACT,
                    author_name=name,
                    body="Any news on this? It is still not working for me.",
                    sent_at=now - timedelta(minutes=3),
                )
            ],
        )
        conversations.customer_replied(conversation, added, CUSTOMER_ACTOR)
    return len(tickets)
