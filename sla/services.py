"""Every write to SLA clocks. `on_ticket_events` is called by tickets.events for the
timeline events of each change, inside its transaction; `sla_sweep` is the beat job.

Metrics (DESIGN §5):
- first_response: from creation to the first public agent comment;
- next_response: from a customer message to the next public agent comment (one cycle
  per unanswered message; a new cycle starts once the previous one is answered);
- resolution: from creation to resolved/closed; paused while waiting on the contact;
  a reopen resumes it, the time spent resolved counting as paused.
Reply clocks pause while the ticket is resolved, closed or archived.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from helpdesk import notifications
from helpdesk.actors import CUSTOMER_ACTOR, SLA_ACTOR
from helpdesk.models import Membership, Notification
from sla import clock
from sla.models import Metric, SlaPolicy, SlaPolicyTarget, SlaTarget
from tickets import workflow
from tickets.models import NO_BREACH, Comment, Ticket, TicketEvent

Kind = TicketEvent.Kind
ACTIVE = workflow.ACTIVE_STATUSES
RESOLUTION_RUNS_IN = frozenset({workflow.Status.OPEN, workflow.Status.IN_PROGRESS})
REPLY_METRICS = frozenset({Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE})
REAPPLY_KINDS = frozenset(
    {
        Kind.PRIORITY_CHANGED,
        Kind.TEAM_CHANGED,
        Kind.LABEL_CHANGED,
        Kind.TAGS_CHANGED,
    }
)


# --- policy matching ---


def _as_set(values) -> set:
    return {str(v).lower() for v in values}


def policy_matches(policy: SlaPolicy, ticket: Ticket, tag_names: set[str]) -> bool:
    """Whether every condition of `policy` holds for `ticket` (no conditions: yes)."""
    conditions = policy.conditions or {}
    checks = {
        "priority": lambda v: str(ticket.priority) in _as_set(v),
        "team": lambda v: ticket.team_id is not None
        and str(ticket.team_id) in _as_set(v),
        "label": lambda v: ticket.label_id is not None
        and (
            str(ticket.label_id) in _as_set(v)
            or str(ticket.label.parent_id) in _as_set(v)
        ),
        "channel": lambda v: ticket.channel.lower() in _as_set(v),
        "source": lambda v: ticket.source in _as_set(v),
        "tags": lambda v: bool(tag_names & _as_set(v)),
    }
    for key, values in conditions.items():
        if not values:
            continue
        check = checks.get(key)
        if check is None or not check(values):
            return False
    return True


def store_next_breach(tickets: QuerySet[Ticket]) -> int:
    """Store Ticket.next_breach_at from the tickets' clocks, in one UPDATE: the
    earliest due time of a clock that is neither fulfilled nor paused (an overdue
    one included: it sorts first), else NO_BREACH."""
    earliest = (
        SlaTarget.objects.filter(
            ticket=OuterRef("pk"), fulfilled_at__isnull=True, paused_at__isnull=True
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return tickets.update(next_breach_at=Coalesce(Subquery(earliest), Value(NO_BREACH)))


def active_policies(workspace_ids) -> dict[int, list[SlaPolicy]]:
    """The active policies of each workspace, by position, with their calendars and
    targets loaded."""
    found: dict[int, list[SlaPolicy]] = {pk: [] for pk in workspace_ids}
    for policy in (
        SlaPolicy.objects.filter(workspace_id__in=found, is_active=True)
        .select_related("calendar")
        .prefetch_related("calendar__intervals", "calendar__holidays", "targets")
        .order_by("position", "id")
    ):
        found[policy.workspace_id].append(policy)
    return found


def policy_for(
    ticket: Ticket, policies: list[SlaPolicy] | None = None
) -> SlaPolicy | None:
    """The first active policy of the ticket's workspace (by position) that matches
    (out of `policies` when the caller has loaded them)."""
    if policies is None:
        policies = active_policies([ticket.workspace_id])[ticket.workspace_id]
    if not policies:
        return None
    tag_names = None
    for policy in policies:
        if "tags" in (policy.conditions or {}) and tag_names is None:
            tag_names = {n.lower() for n in ticket.tags.values_list("name", flat=True)}
        if policy_matches(policy, ticket, tag_names or set()):
            return policy
    return None


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


def _schedule(target: SlaTarget) -> None:
    """Set due_at and warn_at from started_at, the target and the paused time."""
    hours = _hours(target)
    paused = timedelta(seconds=target.paused_seconds)
    total = timedelta(seconds=target.target_seconds)
    before_warning = total * (100 - target.warn_percent) / 100
    target.due_at = clock.add_business_time(target.started_at, total + paused, hours)
    target.warn_at = clock.add_business_time(
        target.started_at, before_warning + paused, hours
    )


def _pause(target: SlaTarget, now: datetime) -> None:
    if target.paused_at is None and target.fulfilled_at is None:
        target.paused_at = now


def _resume(target: SlaTarget, now: datetime) -> None:
    if target.paused_at is None:
        return
    paused = clock.business_time_between(target.paused_at, now, _hours(target))
    target.paused_seconds += round(paused.total_seconds())
    target.paused_at = None
    _schedule(target)


def _should_pause(metric: str, status: str) -> bool:
    if metric == Metric.RESOLUTION:
        return status == workflow.Status.WAITING_ON_CONTACT
    return status not in ACTIVE


def _new_clock(
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
    _schedule(target)
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
    _schedule(target)
    if target.warned_at is not None and target.warn_at > now:
        target.warned_at = None  # the new target gets its own warning
    return True


# --- applying a policy ---


def sla_apply(*, ticket: Ticket, now: datetime, batch: "Batch | None" = None) -> None:
    """Match a policy and create or re-target the ticket's clocks.

    Clocks whose metric the matched policy (or priority) no longer has are removed
    unless they already ended or breached; those stay for the record.
    """
    own = batch is None or not batch.covers(ticket)
    if own:
        batch = Batch.load([ticket])
        batch.touched.add(ticket.pk)
    policy = policy_for(ticket, batch.policies[ticket.workspace_id])
    specs = (
        {t.metric: t for t in policy.targets.all() if t.priority == ticket.priority}
        if policy
        else {}
    )
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
            if metric == Metric.NEXT_RESPONSE:
                continue  # starts with a customer message
            if metric == Metric.FIRST_RESPONSE and ticket.first_responded_at:
                continue
            if metric == Metric.RESOLUTION and ticket.status not in ACTIVE:
                continue
            target = _new_clock(ticket, policy, spec, ticket.created_at)
            if _should_pause(metric, ticket.status):
                target.paused_at = now
            target.save()
            ticket_clocks.append(target)
            changed.append(target)
        elif target.fulfilled_at is None and _retarget(target, policy, spec, now):
            target.save()
            changed.append(target)
    if changed:
        _record(
            ticket,
            Kind.SLA_APPLIED,
            policy=policy.name,
            policy_id=policy.pk,
            due={t.metric: t.due_at.isoformat() for t in changed},
        )
    if own:
        batch.finish()


def _record(ticket: Ticket, kind: str, **data) -> TicketEvent:
    from tickets import events  # events imports this module

    return events.record(ticket, kind, SLA_ACTOR, **data)


def _on_status(
    ticket: Ticket,
    old: str,
    new: str,
    now: datetime,
    clocks: list[SlaTarget],
    changed: list[SlaTarget],
) -> None:
    """Pause, resume or fulfil the clocks for a status move; the clocks it changes
    are added to `changed` for the caller to save."""
    for target in clocks:
        before = (target.paused_at, target.fulfilled_at, target.due_at)
        if target.metric == Metric.RESOLUTION:
            if new not in ACTIVE:
                if target.fulfilled_at is None:
                    _resume(target, now)
                    target.fulfilled_at = now
            elif old not in ACTIVE and target.fulfilled_at is not None:
                # Reopened: the time spent resolved counts as paused.
                target.paused_at = target.fulfilled_at
                target.fulfilled_at = None
                _resume(target, now)
        if target.fulfilled_at is None:
            if _should_pause(target.metric, new):
                _pause(target, now)
            else:
                _resume(target, now)
        if (target.paused_at, target.fulfilled_at, target.due_at) != before:
            changed.append(target)


def _on_comment(ticket: Ticket, event: TicketEvent, now: datetime) -> None:
    if event.actor_id is None:
        return  # system and AI comments are not an agent's reply
    public = bool(event.data.get("public"))
    for target in SlaTarget.objects.filter(
        ticket=ticket, metric__in=REPLY_METRICS, fulfilled_at__isnull=True
    ).select_related("policy"):
        if public or (
            target.policy is not None and target.policy.internal_notes_fulfil
        ):
            _resume(target, now)
            target.fulfilled_at = now
            target.save()


def _on_customer_message(ticket: Ticket, now: datetime) -> None:
    # A customer message wakes a snoozed ticket early (reads the locked row, so a
    # stale in-memory ticket cannot hide the snooze).
    from tickets.services import ticket_unsnooze

    woken = ticket_unsnooze(ticket=ticket, actor=CUSTOMER_ACTOR)
    ticket.snoozed_until = woken.snoozed_until
    current = SlaTarget.objects.filter(
        ticket=ticket, metric=Metric.NEXT_RESPONSE
    ).first()
    if current is not None and current.fulfilled_at is None:
        return  # the oldest unanswered message keeps the clock
    policy = policy_for(ticket)
    spec = (
        policy.targets.filter(
            priority=ticket.priority, metric=Metric.NEXT_RESPONSE
        ).first()
        if policy
        else None
    )
    if spec is None:
        return
    fresh = _new_clock(ticket, policy, spec, now)
    if current is not None:
        fresh.pk, fresh.cycle = current.pk, current.cycle + 1
    if _should_pause(Metric.NEXT_RESPONSE, ticket.status):
        fresh.paused_at = now
    fresh.save()
    _record(
        ticket,
        Kind.SLA_APPLIED,
        policy=policy.name,
        policy_id=policy.pk,
        due={Metric.NEXT_RESPONSE: fresh.due_at.isoformat()},
        cycle=fresh.cycle,
    )


# --- notifications for timeline events ---


def _team_managers(ticket: Ticket, batch: "Batch") -> list:
    if ticket.team_id is None:
        return []
    if ticket.team_id not in batch.managers:
        batch.managers[ticket.team_id] = [
            m.user
            for m in Membership.objects.filter(
                workspace_id=ticket.workspace_id,
                role__in=[Membership.Role.MANAGER, Membership.Role.ADMIN],
                user__in=ticket.team.members.all(),
            ).select_related("user")
        ]
    return batch.managers[ticket.team_id]


def _notify_for(ticket: Ticket, event: TicketEvent, batch: "Batch") -> None:
    """Add the notifications the event calls for to the batch."""
    ref = f"{ticket.ref} {ticket.subject}"
    actor = event.actor
    kind = event.kind
    assigned = kind == Kind.ASSIGNED or (
        kind == Kind.CREATED and ticket.assignee_id != event.actor_id
    )
    if assigned and ticket.assignee_id:
        batch.notifications += notifications.build(
            recipients=[ticket.assignee],
            kind=Notification.Kind.ASSIGNED,
            ticket=ticket,
            subject=f"Assigned to you: {ref}",
            body=f"{event.actor_label} assigned {ref} to you.",
            exclude=actor,
        )
    elif kind == Kind.COMMENTED and event.data.get("mentions"):
        comment = Comment.objects.filter(pk=event.data.get("comment_id")).first()
        if comment is not None:
            batch.notifications += notifications.build(
                recipients=comment.mentions.all(),
                kind=Notification.Kind.MENTIONED,
                ticket=ticket,
                subject=f"{event.actor_label} mentioned you on {ticket.ref}",
                body=f"{event.actor_label} wrote on {ref}:\n\n{comment.body}",
                exclude=actor,
            )
    elif kind == Kind.WOKE and ticket.assignee_id:
        batch.notifications += notifications.build(
            recipients=[ticket.assignee],
            kind=Notification.Kind.WOKE,
            ticket=ticket,
            subject=f"Snooze ended: {ref}",
            body=f"{ref} is back in your active tickets.",
        )
    elif kind in (Kind.SLA_WARNING, Kind.SLA_BREACHED):
        metric = Metric(event.data["metric"]).label
        breached = kind == Kind.SLA_BREACHED
        recipients = [ticket.assignee] if ticket.assignee_id else []
        if breached:
            recipients = recipients + _team_managers(ticket, batch)
        batch.notifications += notifications.build(
            recipients=recipients,
            kind=Notification.Kind.SLA_BREACHED
            if breached
            else Notification.Kind.SLA_WARNING,
            ticket=ticket,
            subject=f"SLA {'breached' if breached else 'at risk'}: {metric} on {ref}",
            body=f"{metric} on {ref} is due at {event.data['due_at']}.",
        )


# --- the hook ---


def _reads_clocks(event: TicketEvent) -> bool:
    """Whether the event's hook matches policies and moves the ticket's clocks."""
    kind = event.kind
    channel_changed = kind == Kind.METADATA_UPDATED and "channel" in event.data.get(
        "fields", {}
    )
    return bool(event.ticket_id) and (
        kind in (Kind.CREATED, Kind.STATUS_CHANGED)
        or kind in REAPPLY_KINDS
        or channel_changed
    )


@dataclass
class Batch:
    """What the hooks of one change's events read and write, read once and written
    at the end (a bulk status change or a sweep of a thousand tickets costs a few
    queries, not thousands): each workspace's active policies and each ticket's
    clocks (kept current as clocks are added or removed), the clocks status moves
    changed, the notifications to queue and each team's managers."""

    policies: dict[int, list[SlaPolicy]]
    clocks: dict[int, list[SlaTarget]]
    moved: list[SlaTarget] = field(default_factory=list)  # paused, resumed, fulfilled
    notifications: list[Notification] = field(default_factory=list)
    managers: dict[int, list] = field(default_factory=dict)  # by team id
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
        """Save the moved clocks, queue the notifications and store the touched
        tickets' next breach: a statement each."""
        if self.moved:
            SlaTarget.objects.bulk_update(
                self.moved,
                ["paused_at", "paused_seconds", "fulfilled_at", "due_at", "warn_at"],
            )
            self.moved = []
        if self.notifications:
            Notification.objects.bulk_create(self.notifications)
            self.notifications = []
        if self.touched:
            store_next_breach(Ticket.objects.filter(pk__in=self.touched))
            self.touched = set()


def on_ticket_events(events: list[TicketEvent]) -> None:
    """React to the timeline events of one change; called by tickets.events in the
    change's transaction, so clocks and notifications commit (or roll back) with it."""
    batch = Batch.load([e.ticket for e in events if _reads_clocks(e)])
    for event in events:
        if event.ticket is not None:
            _on_event(event, batch)
    batch.finish()


def _on_event(event: TicketEvent, batch: Batch) -> None:
    ticket, kind = event.ticket, event.kind
    now = event.created_at or timezone.now()
    if kind == Kind.STATUS_CHANGED:
        old, new = event.data.get("old"), event.data.get("new")
        _on_status(ticket, old, new, now, batch.clocks[ticket.pk], batch.moved)
    if _reads_clocks(event):
        sla_apply(ticket=ticket, now=now, batch=batch)
        batch.touched.add(ticket.pk)
    elif kind == Kind.COMMENTED:
        _on_comment(ticket, event, now)
        batch.touched.add(ticket.pk)
    elif kind == Kind.CUSTOMER_REPLIED:
        _on_customer_message(ticket, now)
        batch.touched.add(ticket.pk)
    _notify_for(ticket, event, batch)


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


# --- the sweep ---


def _claim(queryset, limit: int) -> list[SlaTarget]:
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("ticket__workspace", "ticket__assignee", "ticket__team")
        .order_by("due_at", "id")[:limit]
    )


RUNNING = Q(fulfilled_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True)


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
    from tickets import events  # events imports this module

    if targets:
        events.record_many(
            [
                (t.ticket, kind, {"metric": t.metric, "due_at": t.due_at.isoformat()})
                for t in targets
            ],
            SLA_ACTOR,
        )
