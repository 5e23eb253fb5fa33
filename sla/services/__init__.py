"""Every write to SLA clocks: policy matching (`policies`), clocks and applying a
policy (`clocks`), the ticket-event handler (`hooks`, registered by
SlaConfig.ready()) and the beat sweep (`sweep`)."""

from sla.services.clocks import sla_apply, sla_reapply
from sla.services.hooks import on_ticket_events
from sla.services.policies import (
    active_policies,
    policy_for,
    policy_matches,
    store_next_breach,
)
from sla.services.sweep import sla_sweep

__all__ = [
    "active_policies",
    "on_ticket_events",
    "policy_for",
    "policy_matches",
    "sla_apply",
    "sla_reapply",
    "sla_sweep",
    "store_next_breach",
]
