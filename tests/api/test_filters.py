"""TicketFilterSet on its own: every filter and ordering, scoped to one workspace."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from helpdesk.models import Membership
from tests.factories import (
    ContactFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tickets import services
from tickets.filters import TicketFilterSet
from tickets.selectors import ticket_list


def numbers(membership, **data):
    fs = TicketFilterSet(
        data, queryset=ticket_list(membership=membership), membership=membership
    )
    assert fs.is_valid(), fs.errors
    return [t.number for t in fs.qs]


def errors(membership, **data):
    fs = TicketFilterSet(
        data, queryset=ticket_list(membership=membership), membership=membership
    )
    assert not fs.is_valid()
    return fs.errors


@pytest.fixture
def member(workspace, agent):
    return Membership.objects.get(user=agent, workspace=workspace)


def test_status_filter_takes_several_values(workspace, member, agent):
    a = make_ticket(workspace, agent)
    b = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=b, to="in_progress", actor=agent)
    c = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=c, to="resolved", actor=agent)
    assert sorted(numbers(member, status="open,in_progress")) == [a.number, b.number]
    assert numbers(member, status=["resolved"]) == [c.number]
    assert "status" in errors(member, status="bogus")


def test_priority_filter_by_values_and_range(workspace, member, agent):
    low = make_ticket(workspace, agent, priority=1)
    mid = make_ticket(workspace, agent, priority=3)
    high = make_ticket(workspace, agent, priority=5)
    assert numbers(member, priority="1,5") == [high.number, low.number]
    assert numbers(member, priority_min=3) == [high.number, mid.number]
    assert numbers(member, priority_max=3) == [mid.number, low.number]
    assert "priority" in errors(member, priority="9")
    assert "priority_max" in errors(member, priority_min=4, priority_max=2)


def test_assignee_filter_accepts_id_me_and_none(workspace, member, agent, manager):
    mine = make_ticket(workspace, agent)
    theirs = make_ticket(workspace, manager)
    nobody = make_ticket(workspace, agent, assignee=None)
    assert numbers(member, assignee="me") == [mine.number]
    assert numbers(member, assignee=str(manager.pk)) == [theirs.number]
    assert numbers(member, assignee="none") == [nobody.number]
    assert sorted(numbers(member, assignee="me,none")) == [mine.number, nobody.number]


def test_assignee_filter_refuses_a_user_of_another_workspace(
    workspace, other_workspace, member
):
    stranger = MembershipFactory(workspace=other_workspace).user
    assert "assignee" in errors(member, assignee=str(stranger.pk))


def test_team_filter_and_foreign_team_is_a_field_error(
    workspace, other_workspace, member, agent
):
    team = TeamFactory(workspace=workspace)
    in_team = make_ticket(workspace, agent, team=team)
    make_ticket(workspace, agent)
    assert numbers(member, team=str(team.pk)) == [in_team.number]
    foreign = TeamFactory(workspace=other_workspace)
    assert "team" in errors(member, team=str(foreign.pk))


def test_label_filter_includes_sublabels(workspace, member, agent):
    billing = LabelFactory(workspace=workspace, name="Billing")
    refund = LabelFactory(workspace=workspace, name="Refund", parent=billing)
    other = LabelFactory(workspace=workspace, name="Shipping")
    parent_t = make_ticket(workspace, agent, label=billing)
    child_t = make_ticket(workspace, agent, label=refund)
    make_ticket(workspace, agent, label=other)
    assert numbers(member, label=str(billing.pk)) == [child_t.number, parent_t.number]
    assert numbers(member, label=str(refund.pk)) == [child_t.number]


def test_tags_filter_any_or_all(workspace, member, agent):
    both = make_ticket(workspace, agent, tags=["vip", "refund"])
    vip = make_ticket(workspace, agent, tags=["vip"])
    make_ticket(workspace, agent, tags=["other"])
    assert numbers(member, tags="vip,refund") == [vip.number, both.number]
    assert numbers(member, tags="vip,refund", tag_mode="all") == [both.number]


def test_source_topic_intent_channel_filters(workspace, member, agent):
    escalated = make_ticket(
        workspace,
        None,
        source="ai_escalation",
        topic="Billing",
        intent="refund",
        channel="whatsapp",
    )
    make_ticket(workspace, agent)
    assert numbers(member, source="ai_escalation") == [escalated.number]
    assert numbers(member, topic="billing") == [escalated.number]
    assert numbers(member, intent="Refund") == [escalated.number]
    assert numbers(member, channel="whatsapp") == [escalated.number]
    assert "source" in errors(member, source="fax")


def test_date_range_filters(workspace, member, agent):
    with time_machine.travel(dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC)):
        old = make_ticket(workspace, agent)
        services.ticket_complete(ticket=old, actor=agent)
    with time_machine.travel(dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)):
        new = make_ticket(workspace, agent)
    assert numbers(member, created_before="2025-01-31") == [old.number]
    assert numbers(member, created_after="2025-02-01") == [new.number]
    assert numbers(member, updated_after="2025-03-10") == [new.number]
    assert numbers(member, resolved_after="2025-01-01") == [old.number]
    assert "created" in errors(member, created_after="yesterday")


def test_snoozed_filter(workspace, member, agent):
    awake = make_ticket(workspace, agent)
    asleep = make_ticket(workspace, agent)
    services.ticket_snooze(
        ticket=asleep, until=timezone.now() + dt.timedelta(days=1), actor=agent
    )
    assert numbers(member, snoozed="active") == [awake.number]
    assert numbers(member, snoozed="snoozed") == [asleep.number]
    assert numbers(member, snoozed="all") == [asleep.number, awake.number]


def test_every_ordering_is_stable(workspace, member, agent):
    a = make_ticket(workspace, agent, priority=5)
    b = make_ticket(workspace, agent, priority=1)
    c = make_ticket(workspace, agent, priority=5)
    services.ticket_update(ticket=a, actor=agent, changes={"subject": "touched"})
    assert numbers(member, ordering="number") == [a.number, b.number, c.number]
    assert numbers(member, ordering="-number") == [c.number, b.number, a.number]
    assert numbers(member, ordering="created") == [a.number, b.number, c.number]
    assert numbers(member, ordering="-created") == [c.number, b.number, a.number]
    assert numbers(member, ordering="-updated")[0] == a.number
    assert numbers(member, ordering="updated")[-1] == a.number
    assert numbers(member, ordering="-priority") == [c.number, a.number, b.number]
    assert numbers(member, ordering="priority") == [b.number, a.number, c.number]
    assert "ordering" in errors(member, ordering="subject")


def test_search_finds_by_ref_subject_word_and_requester_email(workspace, member, agent):
    alice = ContactFactory(workspace=workspace, name="Alice", email="alice@shop.io")
    printer = make_ticket(workspace, agent, subject="Printer is jammed")
    refund = make_ticket(
        workspace, agent, subject="Money back", requester=alice, question="Refund?"
    )
    assert numbers(member, q=f"TKT-{printer.number}") == [printer.number]
    assert numbers(member, q=f"#{refund.number}") == [refund.number]
    assert numbers(member, q="printer") == [printer.number]
    assert numbers(member, q="alice@shop.io") == [refund.number]
    assert numbers(member, q="refund") == [refund.number]
    assert numbers(member, q="nothing-like-this") == []


@pytest.mark.parametrize(
    "name, value",
    [
        ("team", "99999999999999999999"),  # past 64 bits: the database cannot hold it
        ("team", "9223372036854775808"),  # 2**63, one past the largest id
        ("label", "¹"),  # passes str.isdigit(), not int()
        ("label", "0"),
        ("assignee", "99999999999999999999"),
        ("assignee", "②"),
    ],
)
def test_ids_out_of_range_or_not_ascii_are_field_errors(member, name, value):
    assert name in errors(member, **{name: value})
