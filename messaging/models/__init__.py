"""Channels, deliveries and inbound mail."""

from messaging.models.channels import Channel, Delivery
from messaging.models.inbound import InboundEmail, InboundMailbox

__all__ = ["Channel", "Delivery", "InboundEmail", "InboundMailbox"]
