"""Who made a change: a user, or a named part of the system ("SLA", "Zendesk sync")."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class SystemActor:
    """A non-human actor shown by its label in the timeline."""

    label: str


AI_AGENT = SystemActor("AI agent")
SLA_ACTOR = SystemActor("SLA")
SNOOZE_ACTOR = SystemActor("Snooze")
ROUTING_ACTOR = SystemActor("Routing")
IMPORT_ACTOR = SystemActor("Import")
CUSTOMER_ACTOR = SystemActor("Customer")

Actor = AbstractBaseUser | SystemActor


def actor_user(actor: Actor | None) -> AbstractBaseUser | None:
    """The user behind an actor, or None for system actors."""
    if actor is None or isinstance(actor, SystemActor):
        return None
    return actor


def actor_label(actor: Actor | None) -> str:
    if actor is None:
        return "System"
    if isinstance(actor, SystemActor):
        return actor.label
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return full_name or actor.get_username()
