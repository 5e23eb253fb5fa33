"""Zendesk Support: what the registry knows about it."""

from integrations.registry import PlatformSpec

PLATFORM = PlatformSpec(
    key="zendesk",
    label="Zendesk",
    domain="zendesk.com",
    base_url="https://{subdomain}.zendesk.com/api/v2",
    credentials=("email", "api_token"),
    rate_limit=(200, 60),
    webhook="Signed: base64 HMAC-SHA256 of the timestamp and body with the "
    "connection's webhook secret (X-Zendesk-Webhook-Signature).",
    adapter="integrations.zendesk.adapter.ZendeskAdapter",
    # A public comment makes Zendesk e-mail the requester (its default trigger
    # "Notify requester of public comment"), so Zendesk delivers the reply.
    delivers_public_replies=True,
)
