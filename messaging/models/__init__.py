"""Channels, deliveries and inbound mail."""

from messaging.models.inbound import InboundEmail, InboundMailbox

__all__ = ["InboundEmail", "InboundMailbox"]
