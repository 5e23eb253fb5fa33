"""Gorgias: what the registry knows about it."""

from integrations.gorgias.adapter import SECRET_HEADER
from integrations.registry import PlatformSpec

PLATFORM = PlatformSpec(
    key="gorgias",
    label="Gorgias",
    domain="gorgias.com",
    base_url="https://{subdomain}.gorgias.com/api",
    credentials=("email", "api_key"),
    rate_limit=(40, 20),
    webhook="Gorgias signs nothing: send the connection's webhook secret in the "
    f"{SECRET_HEADER} header of the HTTP integration.",
    adapter="integrations.gorgias.adapter.GorgiasAdapter",
    # Pushed messages carry sent_datetime, which makes Gorgias store them
    # without sending: the reply is ours to deliver.
    delivers_public_replies=False,
)
