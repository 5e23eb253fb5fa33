"""Outbound URL safety: only https on the platform's own domain, never a private,
loopback, link-local or metadata address, never a redirect; at save and at send."""

import socket

import pytest
import urllib3.util.connection
from django.core.exceptions import ValidationError

from integrations import outbox, services
from integrations.models import Connection, ExternalLink, SyncOp
from tests.factories import make_ticket
from tests.fakes.zendesk import FakeZendesk
from tests.figures import report
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


@pytest.fixture(scope="module")
def s11():
    """S11 figures over the module, reported once at the end: unsafe URLs tried (at
    save and at send), how many got through, and requests that reached a canary
    server on loopback."""
    tally = {"urls_tried": 0, "accepted": 0, "canary_hits": 0}
    yield tally
    report("S11", {"accepted": 0, "canary_hits": 0}, **tally)


@pytest.fixture
def canary():
    """A server on 127.0.0.1 that nothing may reach: it records every request."""
    server = FakeZendesk().start()
    yield server
    server.stop()


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
def test_unsafe_urls_are_refused_at_save(workspace, strict, url, s11):
    s11["urls_tried"] += 1
    with pytest.raises(ValidationError) as caught:
        services.connection_save(
            workspace=workspace,
            actor=None,
            values={
                "platform": "zendesk",
                "base_url": url,
                "credentials": CREDENTIALS["zendesk"],
            },
        )
    s11["accepted"] += Connection.objects.count()
    assert "base_url" in caught.value.message_dict
    assert Connection.objects.count() == 0


def test_a_platform_name_resolving_to_a_private_address_is_refused(
    workspace, strict, dns_to_private, s11
):
    s11["urls_tried"] += 1
    with pytest.raises(ValidationError, match="non-public address"):
        services.connection_save(
            workspace=workspace,
            actor=None,
            values={
                "platform": "zendesk",
                "subdomain": "acme",
                "credentials": CREDENTIALS["zendesk"],
            },
        )
    s11["accepted"] += Connection.objects.count()


def test_a_name_resolving_to_a_private_address_is_refused_at_send(
    workspace, zendesk, agent, settings, dns_to_private, monkeypatch, s11
):
    """Saved while the name was public; at send it resolves inside the network."""
    dialled = []

    def refuse(address, *args, **kwargs):
        dialled.append(address)
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    connection = connect(workspace, zendesk)
    Connection.objects.filter(pk=connection.pk).update(
        base_url="https://acme.zendesk.com/api/v2"
    )
    settings.SYNC_ALLOW_LOCAL_URLS = False
    make_ticket(workspace, agent)

    result = outbox.drain()

    s11["urls_tried"] += 1
    s11["accepted"] += len(dialled)
    s11["canary_hits"] += len(zendesk.log)
    assert result.failed == 1
    assert "non-public address" in ExternalLink.objects.get().last_error
    assert dialled == []  # no connection was even opened
    assert zendesk.log == []


@pytest.mark.parametrize("url_kind", ["loopback", "http", *BAD_URLS[1:4]])
def test_unsafe_urls_are_refused_at_send_and_never_reached(
    workspace, zendesk, agent, settings, url_kind, s11
):
    connection = connect(workspace, zendesk)  # saved while the fakes were allowed
    url = {"loopback": zendesk.url, "http": zendesk.url}.get(url_kind, url_kind)
    if url_kind == "http":
        url = "http://acme.zendesk.com/api/v2"
    Connection.objects.filter(pk=connection.pk).update(base_url=url)
    settings.SYNC_ALLOW_LOCAL_URLS = False
    make_ticket(workspace, agent)

    result = outbox.drain()

    s11["urls_tried"] += 1
    s11["accepted"] += int(result.failed != 1)
    s11["canary_hits"] += len(zendesk.log)
    assert result.failed == 1
    assert SyncOp.objects.get().state == "failed"
    assert "Refused to send" in ExternalLink.objects.get().last_error
    assert zendesk.log == []  # the canary on 127.0.0.1 was never hit


@pytest.mark.parametrize("target", ["metadata", "loopback canary"])
def test_redirects_are_not_followed(workspace, zendesk, agent, canary, target, s11):
    connection = connect(workspace, zendesk)
    make_ticket(workspace, agent)
    location = {
        "metadata": "http://169.254.169.254/latest/",
        "loopback canary": f"{canary.url}/tickets.json",
    }[target]
    zendesk.fail(302, headers={"Location": location})

    outbox.drain()

    s11["urls_tried"] += 1
    s11["canary_hits"] += len(canary.log)
    link = ExternalLink.objects.get(connection=connection)
    assert link.state == "error"
    assert "redirect" in link.last_error
    assert len(zendesk.log) == 1
    assert canary.log == []


def test_test_connection_reports_a_redirect(workspace, zendesk, canary, s11):
    connection = connect(workspace, zendesk)
    zendesk.fail(301, headers={"Location": f"{canary.url}/"})
    ok, message = services.connection_test(connection)
    s11["urls_tried"] += 1
    s11["accepted"] += int(ok)
    s11["canary_hits"] += len(canary.log)
    assert not ok
    assert "redirect" in message
    assert canary.log == []
