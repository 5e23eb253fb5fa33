"""A status change, an assignment and the other one-field edits: who is recorded,
which version is checked, which comment is (not) written. Expected values are
written here (DESIGN.md §3: a status change may carry an internal comment)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.lib.errors import StaleVersion
from tests.factories import LabelFactory, MembershipFactory, TeamFactory, make_ticket
from tickets import services
from tickets.models import Comment, Ticket


@pytest.fixture
def ticket(workspace, agent):
    return make_ticket(workspace, agent)


def _last(ticket, kind):
    return ticket.events.filter(kind=kind).order_by("-id").first()


def test_a_status_change_with_a_comment_credits_the_actor(ticket, agent):
    services.ticket_change_status(
        ticket=ticket, to="resolved", actor=agent, comment="  Fixed upstream  "
    )
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.body, comment.author, comment.author_label) == (
        "Fixed upstream",
        agent,
        "agent",
    )
    assert comment.is_public is False
    event = _last(ticket, "status_changed")
    assert (event.actor, event.actor_label) == (agent, "agent")
    assert event.data == {"old": "open", "new": "resolved", "comment": "Fixed upstream"}
    assert ticket.history.first().history_change_reason == "Fixed upstream"


def test_a_status_change_without_a_comment_writes_none(ticket, agent):
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert _last(ticket, "status_changed").data["comment"] == ""
    assert ticket.history.first().history_change_reason == "status open -> in_progress"


def test_a_status_change_checks_the_expected_version(ticket, agent):
    with pytest.raises(StaleVersion):
        services.ticket_change_status(
            ticket=ticket, to="resolved", actor=agent, expected_version=7
        )
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    services.ticket_change_status(
        ticket=ticket, to="resolved", actor=agent, expected_version=1
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


def test_complete_and_incomplete_resolve_and_reopen_as_the_actor(ticket, agent):
    services.ticket_complete(ticket=ticket, actor=agent, comment="done")
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    assert _last(ticket, "status_changed").actor == agent
    services.ticket_incomplete(ticket=ticket, actor=agent, comment="not yet")
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    event = _last(ticket, "status_changed")
    assert (event.actor, event.data["old"], event.data["comment"]) == (
        agent,
        "resolved",
        "not yet",
    )
    with pytest.raises(StaleVersion):
        services.ticket_complete(ticket=ticket, actor=agent, expected_version=1)
    with pytest.raises(StaleVersion):
        services.ticket_incomplete(ticket=ticket, actor=agent, expected_version=1)


def test_a_status_and_tags_through_ticket_update_record_the_actor(ticket, agent):
    services.ticket_update(
        ticket=ticket, actor=agent, changes={}, status="resolved", add_tags=["vip"]
    )
    for kind in ("status_changed", "tags_changed"):
        event = _last(ticket, kind)
        assert (event.ticket_id, event.actor, event.actor_label) == (
            ticket.pk,
            agent,
            "agent",
        )
    assert _last(ticket, "status_changed").data == {
        "old": "open",
        "new": "resolved",
        "comment": "",
    }


def test_assign_team_label_priority_and_tags_are_recorded_as_the_actor(
    workspace, ticket, agent
):
    other = MembershipFactory(workspace=workspace, user__username="bea").user
    team = TeamFactory(workspace=workspace, name="Billing")
    label = LabelFactory(workspace=workspace, name="Refunds")
    services.ticket_assign(ticket=ticket, assignee=other, actor=agent)
    services.ticket_set_team(ticket=ticket, team=team, actor=agent)
    services.ticket_set_label(ticket=ticket, label=label, actor=agent)
    services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
    services.ticket_set_tags(ticket=ticket, actor=agent, add=["vip"])
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.assignee, stored.team, stored.label, stored.priority) == (
        other,
        team,
        label,
        5,
    )
    assert list(stored.tags.values_list("name", flat=True)) == ["vip"]
    assert stored.version == 6
    for kind in (
        "assigned",
        "team_changed",
        "label_changed",
        "priority_changed",
        "tags_changed",
    ):
        assert _last(ticket, kind).actor == agent, kind
    assert _last(ticket, "assigned").data["new"]["name"] == "bea"


@pytest.mark.parametrize(
    ("setter", "value"),
    [
        ("ticket_assign", "assignee"),
        ("ticket_set_team", "team"),
        ("ticket_set_label", "label"),
        ("ticket_set_priority", "priority"),
    ],
)
def test_one_field_setters_check_the_expected_version(
    workspace, ticket, agent, setter, value
):
    values = {
        "assignee": MembershipFactory(workspace=workspace).user,
        "team": TeamFactory(workspace=workspace),
        "label": LabelFactory(workspace=workspace),
        "priority": 5,
    }
    with pytest.raises(StaleVersion):
        getattr(services, setter)(
            ticket=ticket, actor=agent, expected_version=9, **{value: values[value]}
        )
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_fields_and_a_status_in_one_edit_are_all_saved(ticket, agent):
    services.ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"subject": "Printer fixed", "priority": 2},
        status="resolved",
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.subject, stored.priority, stored.status) == (
        "Printer fixed",
        2,
        "resolved",
    )
    assert stored.resolved_at is not None


def test_event_data_and_the_actor_go_on_every_field_event(ticket, agent):
    """DESIGN: the timeline says who made a change; routing marks its own."""
    services.ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"priority": 5, "subject": "Printer on fire again"},
        event_data={"via": "routing"},
    )
    priority = _last(ticket, "priority_changed")
    assert (priority.actor, priority.data) == (
        agent,
        {"old": 3, "new": 5, "via": "routing"},
    )
    metadata = _last(ticket, "metadata_updated")
    assert (metadata.actor, metadata.actor_label) == (agent, "agent")
    assert metadata.data == {
        "fields": {
            "subject": {"old": "Printer on fire", "new": "Printer on fire again"}
        },
        "via": "routing",
    }


@pytest.mark.parametrize("name", ["number", "workspace", "version"])
def test_a_field_that_cannot_be_edited_is_named(ticket, agent, name):
    with pytest.raises(ValidationError) as error:
        services.ticket_update(ticket=ticket, actor=agent, changes={name: 9})
    assert error.value.message_dict == {name: ["This field cannot be edited."]}
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_the_status_the_ticket_already_has_is_no_change(ticket, agent):
    services.ticket_update(ticket=ticket, actor=agent, changes={}, status="open")
    assert Ticket.objects.get(pk=ticket.pk).version == 1
    services.ticket_update(
        ticket=ticket, actor=agent, changes={"subject": "Still open"}, status="open"
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.subject, stored.status, stored.version) == ("Still open", "open", 2)
    assert not ticket.events.filter(kind="status_changed").exists()


def test_a_person_rewriting_the_summary_becomes_its_author(ticket, agent):
    services.ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"summary": "Printer hot", "summary_by": "AI"},
    )
    assert Ticket.objects.get(pk=ticket.pk).summary_by == "AI"
    services.ticket_update(
        ticket=ticket, actor=agent, changes={"summary": "Toner low, printer hot"}
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.summary, stored.summary_by) == ("Toner low, printer hot", "agent")
    # A change without a person (the sync, a rule) leaves the author alone.
    services.ticket_update(ticket=ticket, actor=None, changes={"summary": "Fixed"})
    assert Ticket.objects.get(pk=ticket.pk).summary_by == "agent"


def test_a_bulk_move_without_a_comment_writes_an_update_and_no_comment(
    workspace, agent
):
    first, second = make_ticket(workspace, agent), make_ticket(workspace, agent)
    before = Ticket.objects.get(pk=first.pk).updated_at
    refused = services.tickets_change_status(
        tickets=[first, second], to="in_progress", actor=agent
    )
    assert refused == {}
    assert not Comment.objects.filter(ticket__in=[first, second]).exists()
    for ticket in (first, second):
        stored = Ticket.objects.get(pk=ticket.pk)
        assert (stored.status, stored.version) == ("in_progress", 2)
        assert stored.updated_at > before
        row = ticket.history.first()
        assert (row.history_type, row.history_user) == ("~", agent)
        assert _last(ticket, "status_changed").data["comment"] == ""


def test_a_bulk_move_with_a_comment_records_it_everywhere_as_the_actor(
    workspace, agent
):
    first, second = make_ticket(workspace, agent), make_ticket(workspace, agent)
    comment = "Batch fixed " + "x" * 100  # 112 characters
    services.tickets_change_status(
        tickets=[first, second], to="resolved", actor=agent, comment=comment
    )
    for ticket in (first, second):
        stored = Ticket.objects.get(pk=ticket.pk)
        row = ticket.history.first()
        assert row.history_change_reason == comment[:100]
        assert row.history_date == stored.updated_at
        note = Comment.objects.get(ticket=ticket)
        assert (note.body, note.author) == (comment, agent)
        event = _last(ticket, "status_changed")
        assert (event.actor, event.data) == (
            agent,
            {"old": "open", "new": "resolved", "comment": comment},
        )
    services.tickets_change_status(tickets=[first], to="open", actor=agent)
    assert first.history.first().history_change_reason == "status -> open"


def test_a_comment_may_be_100000_characters_and_no_more(ticket, agent):
    with pytest.raises(ValidationError) as error:
        services.ticket_change_status(
            ticket=ticket, to="resolved", actor=agent, comment="x" * 100_001
        )
    assert error.value.message_dict == {"comment": ["At most 100000 characters."]}
    services.ticket_change_status(
        ticket=ticket, to="resolved", actor=agent, comment="x" * 100_000
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


def test_moves_keep_the_timestamps_and_snooze_design_says_they_keep(ticket, agent):
    """DESIGN §3: closing keeps resolved_at; unarchiving keeps the closing time;
    a move between active statuses keeps a snooze."""
    services.ticket_snooze(
        ticket=ticket, until=timezone.now() + timedelta(days=1), actor=agent
    )
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).snoozed_until is not None
    services.ticket_change_status(ticket=ticket, to="resolved", actor=agent)
    resolved_at = Ticket.objects.get(pk=ticket.pk).resolved_at
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    closed = Ticket.objects.get(pk=ticket.pk)
    assert (closed.resolved_at, closed.snoozed_until) == (resolved_at, None)
    services.ticket_change_status(ticket=ticket, to="archived", actor=agent)
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).closed_at == closed.closed_at
