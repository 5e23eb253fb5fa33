"""The reply channels' signing secrets and the IMAP passwords live under the same key
ring as the sync connections: the start-up check names them when no key opens them,
and `rotate_credentials` re-encrypts them."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.checks import credentials_readable
from integrations.crypto import decrypt, encrypt
from messaging.models import Channel, InboundMailbox

OLD, NEW = (Fernet.generate_key().decode() for _ in range(2))


@pytest.fixture
def stored(workspace, settings):
    """A chat channel and a mailbox whose secrets were written under OLD."""
    settings.CREDENTIAL_KEYS = [OLD]
    channel = Channel(
        workspace=workspace, kind="chat", callback_url="https://chat.example/hook"
    )
    channel.set_secret("whsec-0123456789abcdef")
    channel.save()
    mailbox = InboundMailbox.objects.create(
        workspace=workspace,
        address="help@acme.test",
        imap_password=encrypt("imap-pass-42"),
    )
    return channel, mailbox


def test_the_check_names_channels_and_mailboxes_no_key_opens(stored, settings):
    channel, mailbox = stored
    settings.CREDENTIAL_KEYS = [NEW]
    (error,) = credentials_readable(databases=["default"])
    assert error.id == "integrations.E001"
    assert "CREDENTIAL_KEYS" in error.msg
    assert f"messaging.Channel ids {channel.pk}" in error.msg
    assert f"messaging.InboundMailbox ids {mailbox.pk}" in error.msg


def test_rotation_re_encrypts_them_so_the_old_key_can_go(stored, settings):
    channel, mailbox = stored
    settings.CREDENTIAL_KEYS = [NEW, OLD]
    out = io.StringIO()
    call_command("rotate_credentials", stdout=out)
    assert "1 messaging.Channel row(s)" in out.getvalue()
    assert "1 messaging.InboundMailbox row(s)" in out.getvalue()

    settings.CREDENTIAL_KEYS = [NEW]  # the old key dropped
    assert Channel.objects.get(pk=channel.pk).secret == "whsec-0123456789abcdef"
    token = InboundMailbox.objects.get(pk=mailbox.pk).imap_password
    assert decrypt(token) == "imap-pass-42"
    assert credentials_readable(databases=["default"]) == []


def test_rotation_reports_rows_no_key_opens_and_leaves_them(stored, settings):
    channel, _ = stored
    settings.CREDENTIAL_KEYS = [NEW]
    with pytest.raises(CommandError, match=f"messaging.Channel {channel.pk}"):
        call_command("rotate_credentials", stdout=io.StringIO())
    settings.CREDENTIAL_KEYS = [OLD]
    assert Channel.objects.get(pk=channel.pk).secret == "whsec-0123456789abcdef"
