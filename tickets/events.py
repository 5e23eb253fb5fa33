"""Writing the timeline: one TicketEvent per change, in the change's transaction, then
the handlers other apps registered for it.

Each app registers its handler in its `AppConfig.ready()` with a fixed `order`
(lowest first): `sla` (clocks) 100, `tickets.notifications` 200, `integrations`
(the sync outbox) 300. A handler gets the new events of one change and the actor,
runs in the caller's transaction (so its rows commit or roll back with the change),
writes its own rows only, never calls ticket services and never changes the caller's
objects. It may record further events through `record`, whose handlers then run
before the next handler of the outer change.

A new ticket first meets the *openers* (`register_opener`): before its row is
inserted, each may set its fields and name the events it owes (the SLA plans its
clocks, stores the next breach and adds "SLA applied"), so a creation is one ticket
INSERT and one events INSERT; each opener's `save` then writes the rows that need
the ticket's id. Handlers still see the CREATED event.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from helpdesk.actors import Actor, actor_label, actor_user
from tickets.models import Ticket, TicketEvent

Handler = Callable[[list[TicketEvent], Actor | None], None]

_handlers: dict[int, Handler] = {}


def register(handler: Handler, *, order: int) -> Handler:
    """Call `handler(events, actor)` after every recorded change, at position
    `order`. Registering the same handler at the same order again does nothing; two
    handlers cannot share an order (the order is part of the contract)."""
    taken = _handlers.get(order)
    if taken is not None and taken is not handler:
        raise ValueError(
            f"Event handler order {order} is taken by "
            f"{taken.__module__}.{taken.__qualname__}."
        )
    if handler in _handlers.values() and taken is not handler:
        raise ValueError(f"{handler.__qualname__} is already registered.")
    _handlers[order] = handler
    return handler


@dataclass
class Opening:
    """What an opener adds to a new ticket: events as (kind, data, actor), recorded
    with its CREATED event, and `save`, run once the ticket has its id."""

    events: list[tuple[str, dict, Actor | None]] = field(default_factory=list)
    save: Callable[[], None] | None = None


Opener = Callable[[Ticket, list[str]], Opening | None]

_openers: dict[int, Opener] = {}


def register_opener(opener: Opener, *, order: int) -> Opener:
    """Call `opener(ticket, tag_names)` with every new ticket before it is
    inserted."""
    taken = _openers.get(order)
    if taken is not None and taken is not opener:
        raise ValueError(f"Ticket opener order {order} is taken.")
    _openers[order] = opener
    return opener


def openings(ticket: Ticket, tag_names: list[str]) -> list[Opening]:
    """What the openers add to the unsaved `ticket`, in their order."""
    found = (_openers[order](ticket, tag_names) for order in sorted(_openers))
    return [opening for opening in found if opening is not None]


def _event(ticket: Ticket, kind: str, data: dict, by: Actor | None) -> TicketEvent:
    return TicketEvent(
        workspace_id=ticket.workspace_id,
        ticket=ticket,
        ticket_number=ticket.number,
        kind=kind,
        actor=actor_user(by),
        actor_label=actor_label(by),
        data=data,
    )


def handlers() -> list[Handler]:
    """The registered handlers in the order they run."""
    return [_handlers[order] for order in sorted(_handlers)]


def record(ticket: Ticket, kind: str, actor: Actor | None, **data) -> TicketEvent:
    return record_many([(ticket, kind, data)], actor)[0]


def record_many(changes: list[tuple], actor: Actor | None) -> list[TicketEvent]:
    """One event per (ticket, kind, data), written in one INSERT, then every
    registered handler with the new events, all in the caller's transaction. A
    change may name its own actor as a fourth item (an opener's events)."""
    created = TicketEvent.objects.bulk_create(
        _event(*change) if len(change) == 4 else _event(*change, actor)
        for change in changes
    )
    if created:
        for handler in handlers():
            handler(created, actor)
    return created
