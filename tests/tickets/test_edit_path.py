"""The one edit path: ticket_update applies fields and tags together, with one
history row and the same events whichever surface calls it."""

import pytest
from django.core.exceptions import ValidationError

from helpdesk.lib.errors import InvalidTransition
from tests.factories import TeamFactory, make_ticket
from tickets import services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["VIP", "vip", " Vip "], ["vip"]),
        (["Late  Delivery", "late delivery"], ["late delivery"]),
        (["b", "", "  ", "a", "b"], ["b", "a"]),
        ([], []),
        ([42], ["42"]),
        (["x" * 50], ["x" * 50]),
    ],
)
def test_normalize_tag_names_lowercases_collapses_and_dedupes(names, expected):
    assert services.normalize_tag_names(names) == expected


@pytest.mark.parametrize("bad", ["x" * 51, "a,b"])
def test_normalize_tag_names_refuses_long_names_and_commas(bad):
    with pytest.raises(ValidationError) as caught:
        services.normalize_tag_names(["ok", bad])
    assert set(caught.value.message_dict) == {"tags"}


def kinds(ticket, since):
    return list(
        ticket.events.filter(pk__gt=since).order_by("pk").values_list("kind", flat=True)
    )


def test_fields_and_wanted_tags_change_in_one_history_row(workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["old", "keep"])
    team = TeamFactory(workspace=workspace)
    history, last_event = ticket.history.count(), ticket.events.last().pk

    ticket = services.ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"priority": 5, "subject": "Now urgent", "team": team},
        tags=["Keep", "new"],
        expected_version=ticket.version,
    )

    assert ticket.history.count() == history + 1
    record = ticket.history.first()
    assert record.history_user == agent
    assert record.history_change_reason == (
        "changed priority, subject, team; tags +new -old"
    )
    assert ticket.version == 2
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["keep", "new"]
    assert kinds(ticket, last_event) == [
        TicketEvent.Kind.PRIORITY_CHANGED,
        TicketEvent.Kind.TEAM_CHANGED,
        TicketEvent.Kind.METADATA_UPDATED,
        TicketEvent.Kind.TAGS_CHANGED,
    ]
    tags_event = ticket.events.get(kind=TicketEvent.Kind.TAGS_CHANGED)
    assert tags_event.data == {"added": ["new"], "removed": ["old"]}


def test_add_and_remove_tags_without_fields(workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["a"])
    ticket = services.ticket_update(
        ticket=ticket, actor=agent, changes={}, add_tags=["B"], remove_tags=["a"]
    )
    assert list(ticket.tags.values_list("name", flat=True)) == ["b"]
    assert ticket.history.first().history_change_reason == "tags +b -a"


def test_nothing_changing_writes_nothing(workspace, agent):
    ticket = make_ticket(workspace, agent, priority=4, tags=["a", "b"])
    counts = ticket.history.count(), ticket.events.count()
    ticket = services.ticket_update(
        ticket=ticket, actor=agent, changes={"priority": 4}, tags=["B", "a"]
    )
    assert (ticket.history.count(), ticket.events.count()) == counts
    assert ticket.version == 1


def test_a_bad_tag_refuses_the_whole_edit(workspace, agent):
    ticket = make_ticket(workspace, agent)
    with pytest.raises(ValidationError):
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"priority": 5}, tags=["a,b"]
        )
    ticket.refresh_from_db()
    assert ticket.priority == 3
    assert ticket.history.count() == 1


def test_status_moves_with_the_fields_in_the_same_history_row(workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["a"])
    history, last_event = ticket.history.count(), ticket.events.last().pk
    ticket = services.ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"priority": 1},
        status="resolved",
        tags=["a", "b"],
    )
    assert (ticket.status, ticket.priority) == ("resolved", 1)
    assert ticket.resolved_at is not None
    assert ticket.history.count() == history + 1
    assert ticket.history.first().history_change_reason == (
        "changed priority; status open -> resolved; tags +b"
    )
    assert kinds(ticket, last_event) == [
        TicketEvent.Kind.PRIORITY_CHANGED,
        TicketEvent.Kind.STATUS_CHANGED,
        TicketEvent.Kind.TAGS_CHANGED,
    ]


def test_a_refused_move_writes_nothing(workspace, agent):
    ticket = make_ticket(workspace, agent, status="closed")
    counts = ticket.history.count(), ticket.events.count()
    with pytest.raises(InvalidTransition):
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"priority": 5}, status="open"
        )
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (3, "closed")
    assert (ticket.history.count(), ticket.events.count()) == counts
