"""Connection secrets under a key ring: a stored secret no key opens stops start-up
with a message naming CREDENTIAL_KEYS, and keys rotate without losing a secret."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from helpdesk.lib.env import credential_keys
from integrations.checks import credentials_readable
from integrations.crypto import decrypt, encrypt
from integrations.models import Connection

OLD, NEW, STRANGER = (Fernet.generate_key().decode() for _ in range(3))
SECRETS = {"email": "agent@acme.test", "api_token": "zd-token-123456789"}


def _stored(workspace, settings, keys) -> Connection:
    """A connection whose secrets were written under `keys` (no network)."""
    settings.CREDENTIAL_KEYS = keys
    connection = Connection(workspace=workspace, platform="zendesk", subdomain="acme")
    connection.set_credentials(SECRETS)
    connection.set_webhook_secret("a-very-long-webhook-secret")
    connection.save()
    return connection


def test_a_secret_no_key_opens_fails_the_check_naming_the_setting(workspace, settings):
    _stored(workspace, settings, [OLD])
    assert credentials_readable(databases=["default"]) == []
    settings.CREDENTIAL_KEYS = [STRANGER]
    (error,) = credentials_readable(databases=["default"])
    assert error.id == "integrations.E001"
    assert "CREDENTIAL_KEYS" in error.msg
    with pytest.raises(SystemCheckError, match="CREDENTIAL_KEYS"):
        call_command("check", "--database", "default")
    # Without a database the check stays out of the way (plain `manage.py check`).
    assert credentials_readable(databases=None) == []


def test_rotation_re_encrypts_with_the_newest_key_and_drops_the_old_one(
    workspace, settings
):
    connection = _stored(workspace, settings, [OLD])
    before = Connection.objects.get(pk=connection.pk)
    settings.CREDENTIAL_KEYS = [NEW, OLD]  # the new key first, the old one kept
    call_command("rotate_credentials", stdout=io.StringIO())
    after = Connection.objects.get(pk=connection.pk)
    assert after.credentials_encrypted != before.credentials_encrypted
    assert after.webhook_secret_encrypted != before.webhook_secret_encrypted

    settings.CREDENTIAL_KEYS = [NEW]  # the old key removed
    after = Connection.objects.get(pk=connection.pk)
    assert after.credentials == SECRETS
    assert after.webhook_secret == "a-very-long-webhook-secret"
    assert credentials_readable(databases=["default"]) == []


def test_rotation_reports_secrets_no_key_opens(workspace, settings):
    connection = _stored(workspace, settings, [OLD])
    settings.CREDENTIAL_KEYS = [NEW]
    with pytest.raises(CommandError, match="CREDENTIAL_KEYS") as raised:
        call_command("rotate_credentials", stdout=io.StringIO())
    assert str(connection.pk) in str(raised.value)
    settings.CREDENTIAL_KEYS = [OLD]
    assert Connection.objects.get(pk=connection.pk).credentials == SECRETS


def test_the_old_single_key_and_the_secret_key_fallback_keep_working(settings):
    derived = credential_keys([], "", "some-secret-key")
    assert len(derived) == 1  # a fresh install: the key derived from SECRET_KEY
    settings.CREDENTIAL_KEYS = derived
    from_fresh_install = encrypt("x")
    settings.CREDENTIAL_KEYS = [OLD]
    from_old_key = encrypt("y")

    ring = credential_keys([NEW], OLD, "some-secret-key")
    assert ring == [NEW, OLD, derived[0]]
    settings.CREDENTIAL_KEYS = ring
    assert decrypt(from_fresh_install) == "x"
    assert decrypt(from_old_key) == "y"
    assert Fernet(NEW).decrypt(encrypt("z").encode()) == b"z"  # the newest encrypts
