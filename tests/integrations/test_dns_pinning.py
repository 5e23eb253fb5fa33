"""DNS rebinding: the name is resolved once, checked, and the connection goes to
the checked address; a second, internal answer is never used."""

import socket

import pytest
import urllib3.util.connection

from integrations.base import HttpClient, SyncError
from integrations.models import Connection
from tests.integrations.conftest import connect

PUBLIC = "93.184.215.14"


@pytest.fixture
def rebinding_dns(monkeypatch):
    """acme.zendesk.com answers a public address first, then loopback."""
    answers = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host != "acme.zendesk.com":
            return socket.getaddrinfo.__wrapped__(host, port, *args, **kwargs)
        address = PUBLIC if not answers else "127.0.0.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    fake_getaddrinfo.__wrapped__ = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    return answers


@pytest.fixture
def dialled(monkeypatch):
    """Where connections are opened (refused, as nothing is out there)."""
    targets = []

    def refuse(address, *args, **kwargs):
        targets.append(address)
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    return targets


def test_the_connection_goes_to_the_address_that_was_checked(
    workspace, zendesk, settings, rebinding_dns, dialled
):
    connection = connect(workspace, zendesk)
    Connection.objects.filter(pk=connection.pk).update(
        base_url="https://acme.zendesk.com/api/v2"
    )
    connection.refresh_from_db()
    settings.SYNC_ALLOW_LOCAL_URLS = False
    client = HttpClient(connection, {})

    with pytest.raises(SyncError, match="Could not reach"):
        client.request("GET", "/tickets/1.json")

    assert rebinding_dns == [PUBLIC]  # resolved once, for the check
    assert dialled == [(PUBLIC, 443)]
    pools = client.adapter.poolmanager.pools
    (key,) = pools.keys()  # noqa: SIM118 (the container refuses iteration)
    pool = pools[key]
    # TLS still names (and verifies) the platform's host.
    assert pool.host == PUBLIC
    assert pool.conn_kw["server_hostname"] == "acme.zendesk.com"
    assert pool.assert_hostname == "acme.zendesk.com"
