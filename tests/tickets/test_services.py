from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.actors import AI_AGENT
from helpdesk.lib.errors import InvalidTransition, StaleVersion
from tests.factories import (
    ContactFactory,
    ConversationFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tickets import services
from tickets.models import Comment, Message, Ticket, TicketEvent
from tickets.services._common import _display


def counts(ticket):
    return ticket.events.count(), ticket.history.count()


def latest_event(ticket):
    return ticket.events.order_by("-id").first()


@pytest.fixture
def ticket(workspace, agent):
    return make_ticket(workspace, agent)


def test_create_numbers_tickets_per_workspace_and_records_one_event(
    workspace, other_workspace, agent
):
    first = make_ticket(workspace, agent)
    second = make_ticket(workspace, agent)
    elsewhere = make_ticket(other_workspace, None, source="api")
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.ref == "TKT-1" and elsewhere.ref == "GLX-1"
    assert counts(first) == (1, 1)
    event = latest_event(first)
    assert (event.kind, event.actor, event.actor_label) == ("created", agent, "agent")
    assert first.history.first().history_user == agent


def test_manual_ticket_defaults_to_its_creator_as_assignee(workspace, agent):
    assert make_ticket(workspace, agent).assignee == agent
    assert make_ticket(workspace, agent, assignee=None).assignee is None
    assert make_ticket(workspace, AI_AGENT, source="ai_escalation").assignee is None


def test_tags_are_made_on_the_fly_and_normalised(workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["VIP", " refund ", "vip"])
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["refund", "vip"]


def test_status_change_writes_one_event_and_one_history_row(ticket, agent):
    before = counts(ticket)
    ticket = services.ticket_change_status(
        ticket=ticket, to="resolved", actor=agent, comment="Refund sent"
    )
    assert counts(ticket) == (before[0] + 1, before[1] + 1)
    event = latest_event(ticket)
    assert event.kind == "status_changed"
    assert event.data == {"old": "open", "new": "resolved", "comment": "Refund sent"}
    record = ticket.history.first()
    assert (record.status, record.history_user, record.history_change_reason) == (
        "resolved",
        agent,
        "Refund sent",
    )
    assert ticket.resolved_at is not None
    assert Comment.objects.get(ticket=ticket).body == "Refund sent"
    reopened = services.ticket_change_status(ticket=ticket, to="open", actor=agent)
    assert reopened.resolved_at is None


def test_refused_transition_writes_nothing(ticket, agent):
    before = (counts(ticket), ticket.version)
    with pytest.raises(InvalidTransition, match="from Open to Archived"):
        services.ticket_change_status(ticket=ticket, to="archived", actor=agent)
    ticket.refresh_from_db()
    assert (counts(ticket), ticket.version) == before


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ("priority", "priority_changed"),
        ("assignee", "assigned"),
        ("team", "team_changed"),
        ("label", "label_changed"),
    ],
)
def test_each_field_change_writes_its_event_with_old_and_new(
    ticket, workspace, manager, change, kind
):
    value = {
        "priority": 5,
        "assignee": manager,
        "team": TeamFactory(workspace=workspace, name="Billing"),
        "label": LabelFactory(workspace=workspace, name="Refund"),
    }[change]
    old_value = getattr(ticket, change)
    before = counts(ticket)
    updated = services.ticket_update(
        ticket=ticket, actor=manager, changes={change: value}
    )
    assert counts(updated) == (before[0] + 1, before[1] + 1)
    event = latest_event(updated)
    assert (event.kind, event.actor) == (kind, manager)
    assert event.data["new"] == _display(value)
    assert event.data["old"] == _display(old_value)
    assert updated.history.first().history_user == manager
    assert updated.version == ticket.version + 1


def test_metadata_edit_is_one_event_listing_the_fields(ticket, agent):
    updated = services.ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"subject": "New subject", "topic": "billing"},
    )
    event = latest_event(updated)
    assert event.kind == "metadata_updated"
    assert event.data["fields"]["subject"] == {
        "old": "Printer on fire",
        "new": "New subject",
    }
    assert set(event.data["fields"]) == {"subject", "topic"}


def test_unchanged_values_write_nothing(ticket, agent):
    before = counts(ticket)
    services.ticket_update(ticket=ticket, actor=agent, changes={"priority": 3})
    assert counts(ticket) == before


def test_stale_version_is_refused(ticket, agent):
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    with pytest.raises(StaleVersion, match="changed by someone else"):
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"priority": 5}, expected_version=1
        )
    ticket.refresh_from_db()
    assert ticket.priority == 4


def test_tags_change_is_one_event(ticket, agent):
    updated = services.ticket_set_tags(ticket=ticket, actor=agent, add=["vip", "bug"])
    updated = services.ticket_set_tags(
        ticket=updated, actor=agent, add=["x"], remove=["bug"]
    )
    event = latest_event(updated)
    assert event.data == {"added": ["x"], "removed": ["bug"]}
    assert sorted(updated.tags.values_list("name", flat=True)) == ["vip", "x"]
    assert updated.events.filter(kind="tags_changed").count() == 2


def test_label_paths_are_created_on_the_fly(workspace):
    refund = services.label_get_or_create(workspace=workspace, path="Billing > Refund")
    again = services.label_get_or_create(workspace=workspace, path="billing>REFUND")
    assert refund == again
    assert refund.path == "Billing > Refund"
    with pytest.raises(ValidationError):
        services.label_get_or_create(workspace=workspace, path="Billing > ")


def test_public_comment_is_the_first_response_and_goes_to_the_conversation(
    workspace, agent
):
    conversation = ConversationFactory(workspace=workspace)
    ticket = make_ticket(workspace, agent, primary_conversation=conversation)
    services.comment_add(ticket=ticket, actor=agent, body="Internal only")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    comment = services.comment_add(
        ticket=ticket, actor=agent, body="We refunded you", is_public=True
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    message = Message.objects.get(conversation=conversation)
    assert (message.author_kind, message.body) == ("agent", "We refunded you")
    assert comment.is_public
    assert ticket.events.filter(kind="commented").count() == 2


def test_mentions_resolve_to_members_only(workspace, agent, manager):
    outsider = MembershipFactory(user__username="outsider").user
    ticket = make_ticket(workspace, agent)
    comment = services.comment_add(
        ticket=ticket, actor=agent, body="@manager please look, cc @outsider @nobody"
    )
    assert list(comment.mentions.all()) == [manager]
    assert outsider not in comment.mentions.all()
    assert latest_event(ticket).data["mentions"] == ["manager"]


def test_snooze_and_unsnooze(ticket, agent):
    until = timezone.now() + timedelta(hours=1)
    snoozed = services.ticket_snooze(ticket=ticket, until=until, actor=agent)
    assert snoozed.snoozed_until == until
    woke = services.ticket_unsnooze(ticket=snoozed, actor=agent, kind="woke")
    assert woke.snoozed_until is None
    assert [e.kind for e in woke.events.order_by("id")][-2:] == ["snoozed", "woke"]
    with pytest.raises(ValidationError, match="future"):
        services.ticket_snooze(ticket=woke, until=timezone.now(), actor=agent)


def test_resolving_ends_a_snooze(ticket, agent):
    services.ticket_snooze(
        ticket=ticket, until=timezone.now() + timedelta(days=1), actor=agent
    )
    resolved = services.ticket_complete(ticket=ticket, actor=agent)
    assert resolved.snoozed_until is None


def test_delete_keeps_an_event_and_the_history(ticket, manager):
    ticket_id = ticket.pk
    services.ticket_delete(ticket=ticket, actor=manager)
    assert not Ticket.objects.filter(pk=ticket_id).exists()
    event = TicketEvent.objects.get(kind="deleted")
    assert (event.ticket_id, event.ticket_number, event.actor) == (None, 1, manager)
    deletion = Ticket.history.filter(id=ticket_id).order_by("-history_id").first()
    assert (deletion.history_type, deletion.history_user) == ("-", manager)


# --- bad input: a validation error naming the field, nothing written ---


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"priority": 6}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"status": "done"}, "status"),
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 300}, "subject"),
        ({"confidence": 150}, "confidence"),
    ],
)
def test_bad_create_input_names_the_field_and_writes_nothing(
    workspace, agent, fields, field
):
    with pytest.raises(ValidationError) as error:
        make_ticket(workspace, agent, **fields)
    assert field in error.value.message_dict
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    workspace.refresh_from_db()
    assert workspace.next_number == 1


def test_another_workspaces_label_team_or_assignee_is_refused(
    workspace, other_workspace, agent
):
    foreign_label = LabelFactory(workspace=other_workspace)
    foreign_team = TeamFactory(workspace=other_workspace)
    foreign_member = MembershipFactory(workspace=other_workspace).user
    foreign_contact = ContactFactory(workspace=other_workspace)
    for field, value in [
        ("label", foreign_label),
        ("team", foreign_team),
        ("assignee", foreign_member),
        ("requester", foreign_contact),
    ]:
        with pytest.raises(ValidationError) as error:
            make_ticket(workspace, agent, **{field: value})
        assert field in error.value.message_dict
    assert not Ticket.objects.exists()
    ticket = make_ticket(workspace, agent)
    before = counts(ticket)
    with pytest.raises(ValidationError) as error:
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"label": foreign_label}
        )
    assert "label" in error.value.message_dict
    assert counts(ticket) == before


def test_read_only_fields_cannot_be_edited(ticket, agent):
    with pytest.raises(ValidationError) as error:
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"number": 99, "workspace": None}
        )
    assert set(error.value.message_dict) == {"number", "workspace"}
