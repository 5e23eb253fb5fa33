"""Template helpers of the reply channels (the composer's route choice)."""

from django import template

from messaging import outbound

register = template.Library()


@register.simple_tag
def reply_routes(ticket) -> outbound.Routes:
    """What can carry a public reply on `ticket` now, and the default."""
    return outbound.routes_for(ticket)
