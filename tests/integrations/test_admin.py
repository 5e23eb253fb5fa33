"""The back office pages for the sync models render, and the add form keeps the
credentials encrypted and write-only."""

import pytest
from django.contrib.auth import get_user_model

from integrations.models import Connection, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@x.test", "pw")
    client.force_login(user)
    return client


def test_sync_admin_pages_render(staff_client, workspace, zendesk, agent):
    connection = connect(workspace, zendesk)
    make_ticket(workspace, agent)
    drain_until_idle()
    for url in [
        "/admin/integrations/connection/",
        f"/admin/integrations/connection/{connection.pk}/change/",
        "/admin/integrations/externallink/",
        "/admin/integrations/syncop/",
        f"/admin/integrations/syncop/{SyncOp.objects.get().pk}/change/",
        "/admin/integrations/webhookevent/",
    ]:
        answer = staff_client.get(url)
        assert answer.status_code == 200, url
        assert "zd-token-123456789" not in answer.content.decode()


def test_admin_add_form_stores_credentials_encrypted(staff_client, workspace, zendesk):
    answer = staff_client.post(
        "/admin/integrations/connection/add/",
        {
            "workspace": workspace.pk,
            "platform": "gorgias",
            "name": "Support",
            "subdomain": "acme",
            "base_url": zendesk.url,
            "enabled": "on",
            "push_enabled": "on",
            "rate_limit": 0,
            "rate_period": 0,
            "credentials_json": '{"email": "a@acme.test", "api_key": "gg-secret-999"}',
            "new_webhook_secret": "sixteen-chars-or-more",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    connection = Connection.objects.get()
    assert connection.credentials == {
        "email": "a@acme.test",
        "api_key": "gg-secret-999",
    }
    assert "gg-secret" not in connection.credentials_encrypted
    assert connection.webhook_secret == "sixteen-chars-or-more"
