"""The one member lookup: helpdesk.tenancy.member_get."""

import pytest

from helpdesk.tenancy import member_get
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_finds_a_member_by_user_id_or_email(workspace, agent):
    agent.email = "Agent@Example.com"
    agent.save()
    assert member_get(workspace, user=agent) == agent
    assert member_get(workspace, user_id=agent.pk) == agent
    assert member_get(workspace, user_id=str(agent.pk)) == agent
    assert member_get(workspace.pk, email="agent@example.COM") == agent


def test_another_workspaces_member_and_bad_ids_are_none(workspace, other_workspace):
    outsider = MembershipFactory(workspace=other_workspace).user
    assert member_get(workspace, user=outsider) is None
    assert member_get(workspace, user_id=outsider.pk) is None
    assert member_get(workspace, email=outsider.email or "x@y.z") is None
    for bad in ("abc", "-1", "", None):
        assert member_get(workspace, user_id=bad) is None
    assert member_get(workspace) is None
