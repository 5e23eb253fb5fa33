"""Inbound e-mail through django-anymail's webhooks (Mailgun and Postmark).
anymail checks the ESP's signature or basic auth (a bad one answers 400 before
anything is read) and sends its `inbound` signal, which lands here."""

import logging

from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailWebhookValidationFailure,
)
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from messaging.inbound.service import Envelope, inbound_email_receive
from messaging.models import InboundEmail

logger = logging.getLogger(__name__)

SOURCES = {
    "Mailgun": InboundEmail.Source.MAILGUN,
    "Postmark": InboundEmail.Source.POSTMARK,
    "SendGrid": InboundEmail.Source.SENDGRID,
    "Amazon SES": InboundEmail.Source.AMAZON_SES,
}
# base64 and form encoding make a posted mail about a third larger than the mail.
_POST_OVERHEAD = 1.4


def on_inbound(sender, event, esp_name, **kwargs):
    """anymail's `inbound` signal: one received mail, its signature checked."""
    message = event.message
    verdicts = {
        "spam_detected": getattr(message, "spam_detected", None),
        "spam_score": getattr(message, "spam_score", None),
    }
    recipient = getattr(message, "envelope_recipient", None) or ""
    inbound_email_receive(
        raw=message.as_bytes(),
        envelope=Envelope(
            source=SOURCES.get(esp_name, InboundEmail.Source.OTHER),
            recipients=[recipient] if recipient else [],
            authentication=verdicts,
        ),
    )


class _Readable:
    """A payload that passed the signature check but cannot be read (or is another
    webhook type) answers 400 naming the problem, not 500."""

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except (
            AnymailConfigurationError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ) as error:
            raise AnymailWebhookValidationFailure(
                f"Unreadable {self.esp_name} inbound payload: {error}"
            ) from error


class MailgunInbound(_Readable, MailgunInboundWebhookView):
    pass


class PostmarkInbound(_Readable, PostmarkInboundWebhookView):
    pass


def _anymail(name: str) -> str:
    return (getattr(settings, "ANYMAIL", {}) or {}).get(name) or ""


def guarded(view_class, *required_settings: str):
    """The view, answering 404 until its ESP's secret is configured (an ESP webhook
    without one would be open to anyone) and 413 for a post over the mail limit."""
    view = view_class.as_view()

    @csrf_exempt
    def endpoint(request, *args, **kwargs):
        if not all(_anymail(name) for name in required_settings):
            raise Http404(f"{view_class.esp_name} inbound e-mail is not configured.")
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.INBOUND_EMAIL_MAX_BYTES * _POST_OVERHEAD:
            logger.warning(
                "Inbound e-mail webhook from %s refused: a %s-byte post is over the "
                "limit of %s bytes (INBOUND_EMAIL_MAX_BYTES).",
                view_class.esp_name,
                length,
                settings.INBOUND_EMAIL_MAX_BYTES,
            )
            return HttpResponse(
                "Mail too large.", status=413, content_type="text/plain"
            )
        return view(request, *args, **kwargs)

    return endpoint
