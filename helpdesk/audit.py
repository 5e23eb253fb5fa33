"""Field history of configuration (django-simple-history): who made each change.

A write from a request gets its user from simple-history's middleware; a service
names its actor explicitly with `stamp_history`, so a history row written by a
worker or a command carries the user behind the change, or the system actor's label
as its change reason.
"""

from django.db import models

from helpdesk.actors import Actor, actor_label, actor_user

REASON_MAX = 100  # simple-history's history_change_reason column


def stamp_history(
    instance: models.Model, actor: Actor | None, reason: str = ""
) -> None:
    """The next history row of `instance` (save, delete or member change) is by
    `actor`, with `reason`: a user is the row's user; a system actor leaves it
    empty and its label begins the reason. No actor: the request's user, if any
    (simple-history's middleware)."""
    reasons = [reason]
    if actor is not None:
        user = actor_user(actor)
        instance._history_user = user
        if user is None:
            reasons.insert(0, actor_label(actor))
    text = ": ".join(r for r in reasons if r)
    if text:
        instance._change_reason = text[:REASON_MAX]
    elif hasattr(instance, "_change_reason"):
        del instance._change_reason  # an earlier save's reason is not this one's
