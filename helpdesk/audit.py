"""Field history of configuration (django-simple-history): who made each change.

A write from a request gets its user from simple-history's middleware; a service
names its actor explicitly with `stamp_history`, so a history row written by a
worker or a command carries the user behind the change, or the system actor's label
as its change reason.
"""

from django.db import models

from helpdesk.actors import Actor, actor_label, actor_user


def stamp_history(
    instance: models.Model, actor: Actor | None, reason: str = ""
) -> None:
    """The next history row of `instance` (save, delete or member change) is by
    `actor`: its user, or no user and the system actor's label as the reason."""
    if reason:
        instance._change_reason = reason
    if actor is None:
        return  # unknown: the request's user, if any (HistoryRequestMiddleware)
    user = actor_user(actor)
    instance._history_user = user
    if user is None and not reason:
        instance._change_reason = actor_label(actor)
