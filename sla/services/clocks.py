"""SLA clocks on a row (schedule, pause, resume, re-target) and applying a policy to
a ticket's clocks, alone (`sla_apply`, `sla_reapply`) or for a whole change
(`Batch`, used by the event handler in sla.services.hooks)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.actors import SLA_ACTOR
from helpdesk.lib.bulk import bulk_set
from sla import clock
from sla.models import Metric, SlaPolicy, SlaPolicyTarget, SlaTarget
from sla.services.policies import active_policies, policy_for, store_next_breach
from tickets import events, workflow
from tickets.models import Ticket, TicketEvent

ACTIVE = workflow.ACTIVE_STATUSES
REPLY_METRICS = frozenset({Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE})


# --- clock arithmetic on a row ---


def _hours(target: SlaTarget) -> clock.BusinessHours | None:
    if not target.business_hours or target.policy is None:
        return None
    calendar = target.policy.calendar
    if calendar is None:
        return None
    cache = getattr(calendar, "_hours_cache", None)
    if cache is None:
        cache = (calendar.business_hours(),)
        calendar._hours_cache = cache
    return cache[0]


def schedule(target: SlaTarget) -> None:
    """Set due_at and warn_at from started_at, the target and the paused time."""
    hours = _hours(target)
    paused = timedelta(seconds=target.paused_seconds)
    total = timedelta(seconds=target.target_seconds)
    before_warning = total * (100 - target.warn_percent) / 100
    target.due_at = clock.add_business_time(target.started_at, total + paused, hours)
    target.warn_at = clock.add_business_time(
        target.started_at, before_warning + paused, hours
    )


def pause(target: SlaTarget, now: datetime) -> None:
    if target.paused_at is None and target.fulfilled_at is None:
        target.paused_at = now


def resume(target: SlaTarget, now: datetime) -> None:
    if target.paused_at is None:
        return
    paused = clock.business_time_between(target.paused_at, now, _hours(target))
    target.paused_seconds += round(paused.total_seconds())
    target.paused_at = None
    schedule(target)


def should_pause(metric: str, status: str) -> bool:
    if metric == Metric.RESOLUTION:
        return status == workflow.Status.WAITING_ON_CONTACT
    return status not in ACTIVE


def new_clock(
    ticket: Ticket, policy: SlaPolicy, spec: SlaPolicyTarget, started_at: datetime
) -> SlaTarget:
    target = SlaTarget(
        workspace_id=ticket.workspace_id,
        ticket=ticket,
        policy=policy,
        metric=spec.metric,
        target_seconds=spec.minutes * 60,
        business_hours=spec.business_hours,
        warn_percent=spec.warn_percent,
        started_at=started_at,
    )
    schedule(target)
    return target


def _retarget(target: SlaTarget, policy: SlaPolicy, spec: SlaPolicyTarget, now) -> bool:
    """Apply a (possibly different) policy target to a running clock."""
    new = (policy.pk, spec.minutes * 60, spec.business_hours, spec.warn_percent)
    old = (
        target.policy_id,
        target.target_seconds,
        target.business_hours,
        target.warn_percent,
    )
    if new == old:
        return False
    target.policy = policy
    target.target_seconds, target.business_hours, target.warn_percent = new[1:]
    schedule(target)
    if target.warned_at is not None and target.warn_at > now:
        target.warned_at = None  # the new target gets its own warning
    return True


def applied_data(policy: SlaPolicy, due: dict, **data) -> dict:
    """The data of an "SLA applied" event."""
    return {"policy": policy.name, "policy_id": policy.pk, "due": due, **data}


def record_applied(ticket: Ticket, policy: SlaPolicy, due: dict, **data) -> None:
    """The "SLA applied" timeline event, by the SLA actor."""
    events.record(
        ticket,
        TicketEvent.Kind.SLA_APPLIED,
        SLA_ACTOR,
        **applied_data(policy, due, **data),
    )


def policy_specs(policy: SlaPolicy | None, priority: int) -> dict:
    """The policy's targets for `priority`, by metric."""
    if policy is None:
        return {}
    return {t.metric: t for t in policy.targets.all() if t.priority == priority}


# --- applying a policy ---


@dataclass
class Batch:
    """What the handler of one change's events reads and writes, read once and
    written at the end (a bulk status change of a thousand tickets costs a few
    queries, not thousands): each workspace's active policies and each ticket's
    clocks (kept current as clocks are added or removed), the clocks status moves
    changed and the tickets whose next breach may move."""

    policies: dict[int, list[SlaPolicy]]
    clocks: dict[int, list[SlaTarget]]
    moved: list[SlaTarget] = field(default_factory=list)  # paused, resumed, fulfilled
    touched: set[int] = field(default_factory=set)  # tickets whose clocks may move

    @classmethod
    def load(cls, tickets: list[Ticket]) -> "Batch":
        clocks: dict[int, list[SlaTarget]] = {ticket.pk: [] for ticket in tickets}
        if clocks:
            for target in SlaTarget.objects.filter(ticket__in=clocks).select_related(
                "policy__calendar"
            ):
                clocks[target.ticket_id].append(target)
        workspaces = {ticket.workspace_id for ticket in tickets}
        policies = active_policies(workspaces) if workspaces else {}
        return cls(policies=policies, clocks=clocks)

    def covers(self, ticket: Ticket) -> bool:
        return ticket.pk in self.clocks

    def finish(self) -> None:
        """Save the moved clocks and store the touched tickets' next breach: a
        statement each."""
        if self.moved:
            bulk_set(
                self.moved,
                ["paused_at", "paused_seconds", "fulfilled_at", "due_at", "warn_at"],
            )
            self.moved = []
        if self.touched:
            store_next_breach(Ticket.objects.filter(pk__in=self.touched))
            self.touched = set()


def starting_clock(ticket, policy, spec, now) -> SlaTarget | None:
    """A new (unsaved) clock for a metric the ticket has none of, if it should run
    yet."""
    metric = spec.metric
    if metric == Metric.NEXT_RESPONSE:
        return None  # starts with a customer message
    if metric == Metric.FIRST_RESPONSE and ticket.first_responded_at:
        return None
    if metric == Metric.RESOLUTION and ticket.status not in ACTIVE:
        return None
    target = new_clock(ticket, policy, spec, ticket.created_at)
    if should_pause(metric, ticket.status):
        target.paused_at = now
    return target


def _start_clock(ticket, policy, spec, now, ticket_clocks) -> SlaTarget | None:
    target = starting_clock(ticket, policy, spec, now)
    if target is not None:
        target.save()
        ticket_clocks.append(target)
    return target


def sla_apply(*, ticket: Ticket, now: datetime, batch: Batch | None = None) -> None:
    """Match a policy and create or re-target the ticket's clocks.

    Clocks whose metric the matched policy (or priority) no longer has are removed
    unless they already ended or breached; those stay for the record.
    """
    own = batch is None or not batch.covers(ticket)
    if own:
        batch = Batch.load([ticket])
        batch.touched.add(ticket.pk)
    policy = policy_for(ticket, batch.policies[ticket.workspace_id])
    specs = policy_specs(policy, ticket.priority)
    ticket_clocks = batch.clocks[ticket.pk]
    clocks = {c.metric: c for c in ticket_clocks}
    changed: list[SlaTarget] = []
    for metric, target in clocks.items():
        if (
            metric not in specs
            and target.fulfilled_at is None
            and target.breached_at is None
        ):
            target.delete()
            ticket_clocks.remove(target)
    for metric, spec in specs.items():
        target = clocks.get(metric)
        if target is None:
            target = _start_clock(ticket, policy, spec, now, ticket_clocks)
        elif target.fulfilled_at is None and _retarget(target, policy, spec, now):
            target.save()
        else:
            target = None
        if target is not None:
            changed.append(target)
    if changed:
        due = {t.metric: t.due_at.isoformat() for t in changed}
        record_applied(ticket, policy, due)
    if own:
        batch.finish()


def sla_reapply(*, workspace, now: datetime | None = None) -> int:
    """Match policies again for the workspace's active tickets (policies reach a
    ticket on its next change; this brings edited policies to all of them now).
    Returns how many tickets were looked at."""
    now = now or timezone.now()
    count = 0
    ids = Ticket.objects.filter(workspace=workspace, status__in=ACTIVE).values_list(
        "pk", flat=True
    )
    for pk in ids.iterator():
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("workspace", "label")
                .get(pk=pk)
            )
            sla_apply(ticket=ticket, now=now)
        count += 1
    return count
