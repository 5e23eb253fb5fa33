"""DRF representation of a ticket's SLA clocks, for the ticket detail and list.

Use `SlaClockSerializer(ticket.sla_targets.all(), many=True, context={"now": now})`
(prefetch with sla.selectors.prefetch_sla_clocks), or `sla_clocks_field()` as a
field on the ticket serializer.
"""

from django.utils import timezone
from rest_framework import serializers

from sla.models import SlaTarget

STATE_COLOURS = {
    SlaTarget.State.ON_TRACK: "green",
    SlaTarget.State.AT_RISK: "amber",
    SlaTarget.State.BREACHED: "red",
    SlaTarget.State.PAUSED: "grey",
    SlaTarget.State.FULFILLED: "green",
    SlaTarget.State.FULFILLED_LATE: "red",
}


def _now(context) -> object:
    now = context.get("now")
    if now is None:
        now = context["now"] = timezone.now()
    return now


class SlaClockSerializer(serializers.ModelSerializer):
    """One clock: metric, policy, state (on track, at risk, breached, paused,
    fulfilled, fulfilled late) and calendar time left in seconds (negative once
    overdue, null once fulfilled)."""

    metric_label = serializers.CharField(source="get_metric_display", read_only=True)
    policy = serializers.CharField(source="policy.name", default=None, read_only=True)
    state = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    colour = serializers.SerializerMethodField()
    time_left_seconds = serializers.SerializerMethodField()
    is_paused = serializers.SerializerMethodField()

    class Meta:
        model = SlaTarget
        fields = [
            "metric",
            "metric_label",
            "policy",
            "cycle",
            "state",
            "state_label",
            "colour",
            "started_at",
            "due_at",
            "warn_at",
            "time_left_seconds",
            "is_paused",
            "fulfilled_at",
            "breached_at",
        ]
        read_only_fields = fields

    def get_state(self, obj: SlaTarget) -> str:
        return obj.state_at(_now(self.context))

    def get_state_label(self, obj: SlaTarget) -> str:
        return SlaTarget.State(self.get_state(obj)).label

    def get_colour(self, obj: SlaTarget) -> str:
        return STATE_COLOURS[self.get_state(obj)]

    def get_time_left_seconds(self, obj: SlaTarget) -> int | None:
        left = obj.time_left(_now(self.context))
        return None if left is None else int(left.total_seconds())

    def get_is_paused(self, obj: SlaTarget) -> bool:
        return obj.paused_at is not None and obj.fulfilled_at is None


def sla_clocks_field() -> SlaClockSerializer:
    """A read-only `sla` field for the ticket serializer (source: sla_targets)."""
    return SlaClockSerializer(source="sla_targets", many=True, read_only=True)
