"""Inbound e-mail: customers' mail (anymail webhooks or the IMAP poller) threaded
into conversations. `service.inbound_email_receive` is the one way in."""
