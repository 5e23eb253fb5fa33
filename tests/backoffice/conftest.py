import pytest

from tests.factories import MembershipFactory


def login(client, user):
    # The factory sets the password after saving; save it so the session's
    # password hash matches the database and the login sticks.
    user.save()
    client.force_login(user)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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
