"""The web process (helpdesk.wsgi) and the worker (Celery's worker_init) refuse to
start while a stored secret cannot be decrypted, naming CREDENTIAL_KEYS; keys are
rotated with `manage.py rotate_credentials` (tests/integrations/test_credentials.py).
"""

import pytest
from celery.signals import worker_init
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from helpdesk.celery import _credentials_readable
from integrations.checks import require_readable_credentials
from integrations.models import Connection

OLD, STRANGER = (Fernet.generate_key().decode() for _ in range(2))


pytestmark = pytest.mark.django_db


def worker_init_receivers() -> list:
    # (Sending the signal itself would run Celery's Django fixup, which closes
    # the test's database connection.)
    return [ref() for _, ref in worker_init.receivers]


def test_web_and_worker_start_refuse_unreadable_secrets(workspace, settings):
    settings.CREDENTIAL_KEYS = [OLD]
    connection = Connection(workspace=workspace, platform="zendesk", subdomain="acme")
    connection.set_credentials({"email": "a@acme.test", "api_token": "t" * 20})
    connection.save()
    assert _credentials_readable in worker_init_receivers()
    _credentials_readable()  # readable: the worker starts

    settings.CREDENTIAL_KEYS = [STRANGER]  # e.g. SECRET_KEY changed, no key kept

    with pytest.raises(SystemExit, match="CREDENTIAL_KEYS"):
        _credentials_readable()
    # What helpdesk.wsgi runs when gunicorn loads it:
    with pytest.raises(ImproperlyConfigured, match="rotate_credentials"):
        require_readable_credentials()
