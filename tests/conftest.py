import pytest

from tests.factories import MembershipFactory, WorkspaceFactory


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme", slug="acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex", slug="globex", ticket_prefix="GLX")


@pytest.fixture
def agent(workspace):
    return MembershipFactory(
        workspace=workspace, role="agent", user__username="agent"
    ).user


@pytest.fixture
def manager(workspace):
    return MembershipFactory(
        workspace=workspace, role="manager", user__username="manager"
    ).user


@pytest.fixture
def admin_member(workspace):
    return MembershipFactory(
        workspace=workspace, role="admin", user__username="boss"
    ).user
