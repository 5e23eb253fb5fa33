"""Template helpers that show a ticket's SLA clocks (list column, cards, panel)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from sla.models import SlaTarget
from sla.serializers import STATE_COLOURS

register = template.Library()


@dataclass(frozen=True)
class ClockView:
    """One clock as an agent reads it: "First response · 2h 5m left"."""

    label: str
    state: str
    state_label: str
    colour: str
    due_at: datetime
    left: str
    running: bool


def format_left(left: timedelta | None) -> str:
    """Calendar time left, like Zendesk's badge: 2d 3h, 2h 5m, 12m, -15m, Now."""
    if left is None:
        return ""
    seconds = int(left.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes}m"
    elif minutes:
        text = f"{minutes}m"
    else:
        return "Now"
    return sign + text


@register.simple_tag
def sla_clocks(ticket) -> list[ClockView]:
    """The ticket's clocks (prefetched by the list selector), soonest due first."""
    now = timezone.now()
    views = []
    for clock in sorted(ticket.sla_targets.all(), key=lambda c: c.due_at):
        state = clock.state_at(now)
        views.append(
            ClockView(
                label=clock.get_metric_display(),
                state=state,
                state_label=SlaTarget.State(state).label,
                colour=STATE_COLOURS[state],
                due_at=clock.due_at,
                left=format_left(clock.time_left(now)),
                running=clock.fulfilled_at is None and clock.paused_at is None,
            )
        )
    return views


@register.simple_tag
def next_sla_badge(ticket) -> str:
    """The list's and the cards' "Next SLA breach": the running clock that breaches
    first, as a badge (written here, not by an included template: a page shows
    one per row)."""
    clock = next((c for c in sla_clocks(ticket) if c.running), None)
    if clock is None:
        return ""
    due = formats.date_format(timezone.localtime(clock.due_at), "D j M H:i")
    return format_html(
        '<span class="sla {}" title="{}: {}, due {}">{}</span>',
        clock.state,
        clock.label,
        clock.state_label,
        due,
        clock.left,
    )
