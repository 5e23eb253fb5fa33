"""Kustomer: what the registry knows about it."""

from integrations.registry import PlatformSpec

PLATFORM = PlatformSpec(
    key="kustomer",
    label="Kustomer",
    domain="kustomerapp.com",
    base_url="https://{subdomain}.api.kustomerapp.com",
    credentials=("api_key",),
    rate_limit=(300, 60),
    webhook="Signed: hex HMAC-SHA256 of the body with the connection's webhook "
    "secret (X-Kustomer-Webhook-Signature).",
    adapter="integrations.kustomer.adapter.KustomerAdapter",
    # A message created through the API is recorded, not sent (sending takes a
    # draft): the reply is ours to deliver.
    delivers_public_replies=False,
)
