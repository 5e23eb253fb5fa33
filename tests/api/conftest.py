import pytest
from rest_framework.test import APIClient

from helpdesk.models import Membership


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(agent):
    """An API client signed in as the workspace's agent."""
    return client_for(agent)


@pytest.fixture
def manager_api(manager):
    return client_for(manager)


@pytest.fixture
def membership(workspace, agent):
    return Membership.objects.get(workspace=workspace, user=agent)


BASE = "/api/v1/workspaces/acme"
OTHER = "/api/v1/workspaces/globex"
