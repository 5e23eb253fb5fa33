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
)
