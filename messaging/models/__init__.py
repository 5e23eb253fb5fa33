"""Channels, deliveries and inbound mail."""

from messaging.models.channels import Channel, Delivery

__all__ = ["Channel", "Delivery"]
