"""Which SLA policy a ticket falls under, and the stored "next breach" of tickets."""

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from helpdesk import config_cache
from helpdesk.models import Workspace
from sla.models import (
    Calendar,
    CalendarInterval,
    Holiday,
    SlaPolicy,
    SlaPolicyTarget,
    SlaTarget,
)
from tickets.models import NO_BREACH, Ticket


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


def workspace_policies(workspace: Workspace) -> list[SlaPolicy]:
    """`active_policies` of one workspace, from this process's config cache (read
    only: the rows are shared between requests)."""
    return config_cache.cached(
        workspace, "sla_policies", lambda: active_policies([workspace.pk])[workspace.pk]
    )


def track_policy_config() -> None:
    """Tell the config cache which rows `workspace_policies` is built from."""

    def of_calendar(pk):
        return Calendar.objects.filter(pk=pk).values_list("workspace_id", flat=True)

    config_cache.track(SlaPolicy, lambda row: row.workspace_id)
    config_cache.track(Calendar, lambda row: row.workspace_id)
    config_cache.track(
        SlaPolicyTarget,
        lambda row: SlaPolicy.objects.filter(pk=row.policy_id)
        .values_list("workspace_id", flat=True)
        .first(),
    )
    for model in (CalendarInterval, Holiday):
        config_cache.track(model, lambda row: of_calendar(row.calendar_id).first())


def policy_for(
    ticket: Ticket,
    policies: list[SlaPolicy] | None = None,
    tag_names: set[str] | None = None,
) -> SlaPolicy | None:
    """The first active policy of the ticket's workspace (by position) that matches
    (out of `policies` when the caller has loaded them; `tag_names`, lower case,
    for a ticket not saved yet)."""
    if policies is None:
        policies = active_policies([ticket.workspace_id])[ticket.workspace_id]
    if not policies:
        return None
    for policy in policies:
        if "tags" in (policy.conditions or {}) and tag_names is None:
            tag_names = {n.lower() for n in ticket.tags.values_list("name", flat=True)}
        if policy_matches(policy, ticket, tag_names or set()):
            return policy
    return None
