"""The platform registry drives every per-platform fact: a platform registered here,
in the test alone, is selectable in the API, gets its URL, domain, budget and
credentials checked from its entry, and its webhooks reach its adapter."""

import json

import pytest
from django.core.exceptions import ValidationError

from integrations import outbox, registry, urlsafety
from integrations.base import Adapter, WebhookData, WebhookRejected
from integrations.models import Connection
from integrations.serializers import ConnectionSerializer

DUMMY = registry.PlatformSpec(
    key="dummy",
    label="Dummy Desk",
    domain="dummydesk.example",
    base_url="https://{subdomain}.dummydesk.example/api",
    credentials=("api_key",),
    rate_limit=(7, 3),
    webhook="A test platform: sends X-Dummy-Ok.",
    adapter="tests.integrations.test_registry.DummyAdapter",
)


class DummyAdapter(Adapter):
    """Just enough of a platform to route a webhook to."""

    seen: list[bytes] = []

    def verify_webhook(self, headers, body: bytes) -> None:
        if headers.get("X-Dummy-Ok") != "yes":
            raise WebhookRejected("no")

    def parse_webhook(self, body: bytes) -> WebhookData:
        self.seen.append(body)
        raise ValueError("the dummy reads nothing")

    test_connection = find_by_external_id = create = update = add_comment = None
    fetch = pull_changes = _lookup_user_id = _lookup_email = _fetch_comments = None


@pytest.fixture
def dummy(monkeypatch):
    monkeypatch.setitem(registry.platforms(), DUMMY.key, DUMMY)
    DummyAdapter.seen = []
    return DUMMY


def _login(client, user):
    client.force_login(type(user).objects.get(pk=user.pk))


def test_the_three_platforms_come_from_their_folders():
    assert set(registry.platforms()) == {"zendesk", "gorgias", "kustomer"}
    assert registry.get("gorgias").rate_limit == (40, 20)
    assert dict(Connection._meta.get_field("platform").choices) == dict(
        registry.choices()
    )


def test_an_unregistered_platform_is_not_a_choice(workspace):
    connection = Connection(workspace=workspace, platform="dummy", subdomain="acme")
    with pytest.raises(ValidationError) as raised:
        connection.full_clean(exclude=["workspace"])
    assert "platform" in raised.value.message_dict
    assert ("dummy", "Dummy Desk") not in ConnectionSerializer().fields[
        "platform"
    ].choices.items()


def test_a_registered_platform_is_selectable_checked_and_routed(
    client, workspace, admin_member, dummy
):
    _login(client, admin_member)
    url = f"/api/v1/workspaces/{workspace.slug}/integrations/connections/"
    missing = client.post(
        url,
        {"platform": "dummy", "subdomain": "acme", "credentials": {"user": "x"}},
        content_type="application/json",
    )
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"credentials": ["Missing api_key."]}
    created = client.post(
        url,
        {
            "platform": "dummy",
            "subdomain": "acme",
            "base_url": "http://127.0.0.1:9/api",  # the test-only local address
            "credentials": {"api_key": "dk-123456789"},
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["webhook_verification"] == DUMMY.webhook
    connection = Connection.objects.get(uuid=created.json()["uuid"])
    assert connection.get_platform_display() == "Dummy Desk"
    assert connection.budget == (7, 3)
    assert outbox.sync_actor("dummy").label == "Dummy Desk sync"
    assert isinstance(registry.adapter_for(connection), DummyAdapter)

    # Its URL template and its domain, and only its domain.
    connection.base_url = ""
    assert connection.api_base == "https://acme.dummydesk.example/api"
    urlsafety.check_url(connection.api_base, "dummy", resolve=False)
    with pytest.raises(urlsafety.UnsafeURL, match="dummydesk.example"):
        urlsafety.check_url("https://acme.zendesk.com/api/v2", "dummy", resolve=False)

    # Its webhooks reach its adapter.
    hook = created.json()["webhook_url"]
    body = json.dumps({"id": 1}).encode()
    refused = client.post(hook, body, content_type="application/json")
    taken = client.post(
        hook, body, content_type="application/json", HTTP_X_DUMMY_OK="yes"
    )
    # Signed but unreadable: taken and ignored (a 4xx would make the platform retry
    # the same body forever).
    assert (refused.status_code, taken.status_code) == (401, 200)
    assert taken.json()["status"] == "ignored"
    assert DummyAdapter.seen == [body]
