"""The back office: escalation rules and the conversation -> ticket action."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import LabelFactory, TeamFactory
from tests.intake.conftest import payload
from tickets.intake import service
from tickets.models import EscalationRule, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, workspace):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    workspace.memberships.create(user=user, role="admin")
    client.force_login(user)
    return client, user


def rule_form(workspace, **fields):
    data = {
        "workspace": workspace.pk,
        "name": "Low confidence",
        "position": 0,
        "is_active": "on",
        "confidence_below": 40,
        "confidence_above": "",
        "channels": '["web"]',
        "topics": "[]",
        "intents": "[]",
        "keywords": '["refund"]',
        "email_domains": "[]",
        "escalate": "on",
        "priority": 4,
        "team": "",
        "tags": '["Billing"]',
        "label": "",
        "group_within_days": "",
    }
    data.update(fields)
    return data


def test_rule_admin_creates_a_rule_through_the_service(staff, workspace):
    client, _user = staff
    response = client.post("/admin/tickets/escalationrule/add/", rule_form(workspace))
    assert response.status_code == 302, response.content[:2000]
    rule = EscalationRule.objects.get()
    assert (rule.confidence_below, rule.priority, rule.tags) == (40, 4, ["billing"])
    assert client.get("/admin/tickets/escalationrule/").status_code == 200
    assert (
        client.get(f"/admin/tickets/escalationrule/{rule.pk}/change/").status_code
        == 200
    )


def test_rule_admin_refuses_another_workspaces_team(staff, workspace, other_workspace):
    client, _user = staff
    foreign = TeamFactory(workspace=other_workspace)
    response = client.post(
        "/admin/tickets/escalationrule/add/", rule_form(workspace, team=foreign.pk)
    )
    assert response.status_code == 200
    assert "That team does not exist in this workspace." in response.content.decode()
    assert EscalationRule.objects.count() == 0


def test_rule_admin_refuses_grouping_without_a_label(staff, workspace):
    client, _user = staff
    response = client.post(
        "/admin/tickets/escalationrule/add/",
        rule_form(workspace, group_within_days=3),
    )
    assert "Grouping needs a label" in response.content.decode()
    label = LabelFactory(workspace=workspace)
    response = client.post(
        "/admin/tickets/escalationrule/add/",
        rule_form(workspace, group_within_days=3, label=label.pk),
    )
    assert response.status_code == 302
    assert EscalationRule.objects.get().group_within_days == 3


def test_conversation_admin_action_creates_a_ticket_per_conversation(staff, workspace):
    client, user = staff
    conversations = [
        service.escalation_intake(
            workspace=workspace, actor=None, payload=payload()
        ).conversation
        for _ in range(2)
    ]
    response = client.post(
        "/admin/tickets/conversation/",
        {
            "action": "create_ticket",
            "_selected_action": [c.pk for c in conversations],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Created TKT-" in response.content.decode()
    tickets = Ticket.objects.order_by("number")
    assert {t.primary_conversation for t in tickets} == set(conversations)
    assert tickets.count() == 2
    assert {t.created_by for t in tickets} == {user}
    assert all(
        t.summary_by == "tickets.intake.summaries.local_summary" for t in tickets
    )
