"""The Celery app. Its settings come from Django settings under the CELERY_ prefix."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _make_broker_folders() -> None:
    """The embedded broker (kombu filesystem transport) needs its folders to exist."""
    from django.conf import settings

    if not getattr(settings, "CELERY_BROKER_URL", "").startswith("filesystem://"):
        return
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _setup(sender, **kwargs) -> None:
    _make_broker_folders()


@worker_init.connect
def _credentials_readable(**kwargs) -> None:
    """The worker refuses to start while a stored secret cannot be decrypted, with
    the message naming CREDENTIAL_KEYS (SystemExit: Celery's signals swallow
    ordinary exceptions)."""
    from django.core.exceptions import ImproperlyConfigured

    from integrations.checks import require_readable_credentials

    try:
        require_readable_credentials()
    except ImproperlyConfigured as exc:
        raise SystemExit(f"ImproperlyConfigured: {exc}") from exc
