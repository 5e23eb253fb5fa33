"""Outbound URL safety: only https on the platform's own domain, never a private,
loopback, link-local or metadata address, never a redirect; at save and at send."""

import socket

import pytest
from django.core.exceptions import ValidationError

from integrations import outbox, services
from integrations.models import Connection, ExternalLink, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import CREDENTIALS, connect

BAD_URLS = [
    "https://127.0.0.1/api/v2",
    "https://10.0.0.1/api/v2",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/api/v2",
    "http://acme.zendesk.com/api/v2",
    "https://acme.zendesk.com.evil.example/api/v2",
    "https://user:pw@acme.zendesk.com/api/v2",
]


@pytest.fixture
def strict(settings):
    settings.SYNC_ALLOW_LOCAL_URLS = False
    return settings


@pytest.fixture
def dns_to_private(monkeypatch):
    """acme.zendesk.com resolves inside our network."""

    def fake_getaddrinfo(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)


@pytest.mark.parametrize("url", BAD_URLS)
def test_unsafe_urls_are_refused_at_save(workspace, strict, url):
    with pytest.raises(ValidationError) as caught:
        services.connection_save(
            workspace=workspace,
            values={
                "platform": "zendesk",
                "base_url": url,
                "credentials": CREDENTIALS["zendesk"],
            },
        )
    assert "base_url" in caught.value.message_dict
    assert Connection.objects.count() == 0


def test_a_platform_name_resolving_to_a_private_address_is_refused(
    workspace, strict, dns_to_private
):
    with pytest.raises(ValidationError, match="non-public address"):
        services.connection_save(
            workspace=workspace,
            values={
                "platform": "zendesk",
                "subdomain": "acme",
                "credentials": CREDENTIALS["zendesk"],
            },
        )


@pytest.mark.parametrize("url_kind", ["loopback", "http", *BAD_URLS[1:4]])
def test_unsafe_urls_are_refused_at_send_and_never_reached(
    workspace, zendesk, agent, settings, url_kind
):
    connection = connect(workspace, zendesk)  # saved while the fakes were allowed
    url = {"loopback": zendesk.url, "http": zendesk.url}.get(url_kind, url_kind)
    if url_kind == "http":
        url = "http://acme.zendesk.com/api/v2"
    Connection.objects.filter(pk=connection.pk).update(base_url=url)
    settings.SYNC_ALLOW_LOCAL_URLS = False
    make_ticket(workspace, agent)

    result = outbox.drain()

    assert result.failed == 1
    assert SyncOp.objects.get().state == "failed"
    assert "Refused to send" in ExternalLink.objects.get().last_error
    assert zendesk.log == []  # the canary on 127.0.0.1 was never hit


def test_redirects_are_not_followed(workspace, zendesk, agent):
    connection = connect(workspace, zendesk)
    make_ticket(workspace, agent)
    zendesk.fail(302, headers={"Location": "http://169.254.169.254/latest/"})

    outbox.drain()

    link = ExternalLink.objects.get(connection=connection)
    assert link.state == "error"
    assert "redirect" in link.last_error
    assert len(zendesk.log) == 1


def test_test_connection_reports_a_redirect(workspace, zendesk):
    connection = connect(workspace, zendesk)
    zendesk.fail(301, headers={"Location": "https://elsewhere.example/"})
    ok, message = services.connection_test(connection)
    assert not ok
    assert "redirect" in message
