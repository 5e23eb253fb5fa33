"""Channels, deliveries and inbound mail."""
