"""Inbound e-mail webhooks, at anymail's own paths under /anymail/."""

from django.urls import path

from messaging.inbound import webhooks

mailgun = webhooks.guarded(webhooks.MailgunInbound, "MAILGUN_WEBHOOK_SIGNING_KEY")
postmark = webhooks.guarded(webhooks.PostmarkInbound, "WEBHOOK_SECRET")

app_name = "messaging"
urlpatterns = [
    # Mailgun posts the parsed mail, or the raw MIME to a URL containing "mime"
    # (anymail reads both).
    path("anymail/mailgun/inbound/", mailgun, name="mailgun_inbound"),
    path("anymail/mailgun/inbound_mime/", mailgun, name="mailgun_inbound_mime"),
    path("anymail/postmark/inbound/", postmark, name="postmark_inbound"),
]
