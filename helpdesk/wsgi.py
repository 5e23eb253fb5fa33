import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
application = get_wsgi_application()

# A stored secret no key in CREDENTIAL_KEYS opens stops the start (gunicorn).
from integrations.checks import require_readable_credentials  # noqa: E402

require_readable_credentials()
