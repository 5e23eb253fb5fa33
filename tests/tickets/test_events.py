"""tickets.events: one INSERT per change, then the handlers the apps registered in
their AppConfig.ready(), in a fixed order, inside the change's transaction."""

import pytest
from django.db import connection, transaction

from tests.factories import make_ticket
from tickets import events, services
from tickets.models import Ticket, TicketEvent


def name(handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def test_the_apps_handlers_run_in_a_fixed_order():
    assert [name(h) for h in events.handlers()] == [
        "sla.services.hooks.on_ticket_events",
        "tickets.notifications.on_ticket_events",
        "integrations.outbox.on_ticket_events",
        "messaging.outbound.on_ticket_events",  # after the sync links exist
        "knowledge.handlers.on_ticket_events",  # queues insights after commit
    ]


@pytest.fixture
def spies(monkeypatch):
    """Replace the registry with two recording handlers, registered out of order."""
    calls = []

    def spy(label):
        def handler(recorded, actor):
            calls.append(
                (
                    label,
                    [e.kind for e in recorded],
                    actor,
                    connection.in_atomic_block,
                    TicketEvent.objects.filter(pk__in=[e.pk for e in recorded]).count(),
                )
            )

        return handler

    monkeypatch.setattr(events, "_handlers", {})
    events.register(spy("second"), order=20)
    events.register(spy("first"), order=10)
    return calls


@pytest.mark.django_db
def test_record_many_writes_one_insert_then_calls_each_handler_once(
    workspace, agent, spies, django_assert_num_queries
):
    tickets = [make_ticket(workspace, agent) for _ in range(3)]
    spies.clear()
    # One INSERT for the three events, then each spy's COUNT.
    with transaction.atomic(), django_assert_num_queries(3):
        created = events.record_many(
            [(t, TicketEvent.Kind.COMMENTED, {"n": n}) for n, t in enumerate(tickets)],
            agent,
        )
    assert [e.data for e in created] == [{"n": 0}, {"n": 1}, {"n": 2}]
    kinds = [TicketEvent.Kind.COMMENTED] * 3
    # In order, with the actor, inside the caller's transaction, the rows written.
    assert spies == [
        ("first", kinds, agent, True, 3),
        ("second", kinds, agent, True, 3),
    ]


@pytest.mark.django_db
def test_a_failing_handler_rolls_back_the_change(workspace, agent, monkeypatch):
    ticket = make_ticket(workspace, agent)

    def broken(recorded, actor):
        raise RuntimeError("handler failed")

    monkeypatch.setattr(events, "_handlers", {})
    events.register(broken, order=1)
    with pytest.raises(RuntimeError):
        services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "open"
    assert not ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).exists()


def test_an_order_is_taken_once_and_a_handler_registered_once(monkeypatch):
    def first(recorded, actor):
        pass

    def other(recorded, actor):
        pass

    monkeypatch.setattr(events, "_handlers", {})
    events.register(first, order=10)
    events.register(first, order=10)  # ready() twice: no harm
    with pytest.raises(ValueError, match="order 10 is taken"):
        events.register(other, order=10)
    with pytest.raises(ValueError, match="already registered"):
        events.register(first, order=11)
    assert events.handlers() == [first]
