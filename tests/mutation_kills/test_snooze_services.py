"""Snoozing, ending a snooze and the bulk wake: the row, the history row and the
event each writes, with the expected values written here (DESIGN.md: a snooze
hides an active ticket until a time in the future)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.factories import make_ticket
from tickets import services
from tickets.models import Ticket

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(workspace, agent, frozen):
    return make_ticket(workspace, agent)


def _events(ticket):
    return [(e.kind, e.data, e.actor_label) for e in ticket.events.order_by("id")][1:]


@pytest.mark.parametrize("until", [None, datetime(2026, 5, 5, 8, 0)])
def test_a_snooze_needs_a_time_with_a_time_zone(ticket, agent, until):
    with pytest.raises(ValidationError) as error:
        services.ticket_snooze(ticket=ticket, until=until, actor=agent)
    assert error.value.message_dict == {
        "until": ["Give a date and time with a time zone."]
    }


def test_a_snooze_ending_now_is_refused_and_one_microsecond_later_is_not(ticket, agent):
    with pytest.raises(ValidationError) as error:
        services.ticket_snooze(ticket=ticket, until=NOW, actor=agent)
    assert error.value.message_dict == {"until": ["The snooze must end in the future."]}
    soon = NOW + timedelta(microseconds=1)
    assert services.ticket_snooze(ticket=ticket, until=soon, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until == soon


@pytest.mark.parametrize("status", ["in_progress", "waiting_on_contact"])
def test_every_active_status_can_be_snoozed(ticket, agent, status):
    services.ticket_change_status(ticket=ticket, to=status, actor=agent)
    services.ticket_snooze(ticket=ticket, until=LATER, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until == LATER


@pytest.mark.parametrize(
    ("status", "shown"),
    [("resolved", "Resolved"), ("closed", "Closed")],
)
def test_a_finished_ticket_cannot_be_snoozed(ticket, agent, status, shown):
    services.ticket_change_status(ticket=ticket, to=status, actor=agent)
    before = ticket.history.count()
    with pytest.raises(ValidationError) as error:
        services.ticket_snooze(ticket=ticket, until=LATER, actor=agent)
    assert error.value.message_dict == {
        "status": [f"A {shown} ticket cannot be snoozed."]
    }
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until is None
    assert ticket.history.count() == before


def test_a_snooze_writes_the_row_a_history_row_and_an_event(ticket, agent):
    snoozed = services.ticket_snooze(ticket=ticket, until=LATER, actor=agent)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.snoozed_until, stored.version) == (LATER, 2)
    assert snoozed.version == 2
    record = stored.history.first()
    assert record.history_change_reason == "snoozed until 2026-05-05T08:00:00+00:00"
    assert record.history_user == agent
    assert _events(stored) == [
        ("snoozed", {"until": "2026-05-05T08:00:00+00:00"}, "agent")
    ]


@pytest.mark.parametrize(
    ("kind", "reason"), [("unsnoozed", "unsnoozed"), ("woke", "woke up")]
)
def test_ending_a_snooze_clears_it_and_says_how(ticket, agent, kind, reason):
    services.ticket_snooze(ticket=ticket, until=LATER, actor=agent)
    woke = services.ticket_unsnooze(ticket=ticket, actor=agent, kind=kind)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (woke.snoozed_until, stored.snoozed_until, stored.version) == (
        None,
        None,
        3,
    )
    assert stored.history.first().history_change_reason == reason
    assert stored.history.first().history_user == agent
    assert _events(stored)[-1] == (
        kind,
        {"was_until": "2026-05-05T08:00:00+00:00"},
        "agent",
    )


def test_unsnooze_by_default_records_unsnoozed(ticket, agent):
    services.ticket_snooze(ticket=ticket, until=LATER, actor=agent)
    services.ticket_unsnooze(ticket=ticket, actor=agent)
    assert _events(ticket)[-1][0] == "unsnoozed"


def test_ending_no_snooze_writes_nothing(ticket, agent):
    same = services.ticket_unsnooze(ticket=ticket, actor=agent)
    assert same.snoozed_until is None
    assert Ticket.objects.get(pk=ticket.pk).version == 1
    assert ticket.history.count() == 1
    assert _events(ticket) == []


def test_waking_many_writes_what_unsnooze_writes_for_each(workspace, agent, frozen):
    first, second = make_ticket(workspace, agent), make_ticket(workspace, agent)
    services.ticket_snooze(ticket=first, until=LATER, actor=agent)
    services.ticket_snooze(ticket=second, until=LATER + timedelta(hours=1), actor=agent)
    locked = list(Ticket.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk"))
    woken_at = NOW + timedelta(days=2)
    # Time runs here, so the history row's date is the wake's own "now", not a
    # later reading of the clock.
    with time_machine.travel(woken_at, tick=True):
        services.tickets_wake(tickets=locked, actor=agent)
    for ticket, until in [(first, "08:00"), (second, "09:00")]:
        stored = Ticket.objects.get(pk=ticket.pk)
        assert (stored.snoozed_until, stored.version) == (None, 3)
        assert woken_at <= stored.updated_at < woken_at + timedelta(minutes=1)
        record = stored.history.first()
        assert record.history_change_reason == "woke up"
        assert record.history_date == stored.updated_at
        assert record.history_user == agent
        assert record.snoozed_until is None
        assert _events(stored)[-1] == (
            "woke",
            {"was_until": f"2026-05-05T{until}:00+00:00"},
            "agent",
        )
