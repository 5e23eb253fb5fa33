"""The e-mail services' tracking webhooks, /anymail/<esp>/tracking/ (the address
django-anymail documents): anymail checks the ESP's authentication and parses the
events, whose `tracking` signal messaging.bounces handles. A body the ESP's parser
cannot read is a 400, an ESP that is not set up (no signing key) a 404."""

import logging

from anymail.exceptions import AnymailError
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.csrf import csrf_exempt

from helpdesk.lib.errors import json_error

log = logging.getLogger(__name__)

TRACKING_VIEWS = {
    "amazon_ses": AmazonSESTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
}


@csrf_exempt
def tracking(request, esp: str):
    view_class = TRACKING_VIEWS.get(esp)
    if view_class is None:
        return json_error("not_found", f"No tracking webhook for {esp!r}.", status=404)
    try:
        view = view_class.as_view()
        return view(request)
    except ImproperlyConfigured as exc:
        log.warning("%s tracking webhook is not set up: %s", esp, exc)
        return json_error("not_found", f"{esp} is not set up here.", status=404)
    except (AnymailError, ValueError, KeyError, TypeError) as exc:
        log.info("%s tracking webhook: unreadable body: %s", esp, exc)
        return json_error(
            "invalid",
            f"The {esp} event cannot be read.",
            {"body": [str(exc)[:200]]},
            status=400,
        )
