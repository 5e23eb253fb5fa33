import pytest

from tests.factories import MembershipFactory
from tests.settings_fixtures import fast_passwords, media_root  # noqa: F401


def login(client, user):
    # The factory sets the password after saving; save it so the session's
    # password hash matches the database and the login sticks.
    user.save()
    client.force_login(user)


@pytest.fixture
def manager_client(client, manager):
    login(client, manager)
    return client


@pytest.fixture
def agent_client(client, agent):
    login(client, agent)
    return client


@pytest.fixture
def staff_manager(workspace):
    membership = MembershipFactory(
        workspace=workspace,
        role="manager",
        user__username="staffmanager",
        user__is_staff=True,
    )
    membership.user.save()
    return membership.user
