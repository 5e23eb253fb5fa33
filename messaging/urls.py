"""Inbound e-mail webhooks, at anymail's own paths under /anymail/."""

from django.urls import path, re_path

from messaging.inbound import webhooks

urlpatterns = [
    # Mailgun posts the parsed mail to .../inbound/ and the raw MIME to any URL
    # containing "mime" (anymail reads both).
    re_path(
        r"^anymail/mailgun/inbound(_mime)?/$",
        webhooks.guarded(webhooks.MailgunInbound, "MAILGUN_WEBHOOK_SIGNING_KEY"),
        name="mailgun_inbound_webhook",
    ),
    path(
        "anymail/postmark/inbound/",
        webhooks.guarded(webhooks.PostmarkInbound, "WEBHOOK_SECRET"),
        name="postmark_inbound_webhook",
    ),
]
