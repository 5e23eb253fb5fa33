"""Under /: the reply channels page, /w/<slug>/channels/; the e-mail services'
webhooks at anymail's own paths under /anymail/ (inbound mail, and tracking:
bounces fail a reply). Mounted by helpdesk.urls."""

from django.urls import path

from messaging import views, webhooks
from messaging.inbound import webhooks as inbound_webhooks

mailgun = inbound_webhooks.guarded(
    inbound_webhooks.MailgunInbound, "MAILGUN_WEBHOOK_SIGNING_KEY"
)
postmark = inbound_webhooks.guarded(inbound_webhooks.PostmarkInbound, "WEBHOOK_SECRET")

app_name = "messaging"
urlpatterns = [
    path("w/<slug:slug>/channels/", views.channels, name="channels"),
    # The e-mail services' delivery reports (bounces fail the reply).
    path("anymail/<slug:esp>/tracking/", webhooks.tracking, name="tracking"),
    # Mailgun posts the parsed mail, or the raw MIME to a URL containing "mime"
    # (anymail reads both).
    path("anymail/mailgun/inbound/", mailgun, name="mailgun_inbound"),
    path("anymail/mailgun/inbound_mime/", mailgun, name="mailgun_inbound_mime"),
    path("anymail/postmark/inbound/", postmark, name="postmark_inbound"),
]
