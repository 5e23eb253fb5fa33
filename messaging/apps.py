from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from anymail.signals import inbound, tracking

        from integrations.crypto import register_encrypted
        from messaging import bounces, filters, outbound
        from messaging.inbound.webhooks import on_inbound
        from tickets import events
        from tickets.filters import TicketFilterSet

        # After the sync outbox (300): the reply's links to platforms exist by now.
        events.register(outbound.on_ticket_events, order=400)
        register_encrypted("messaging.Channel", "secret_encrypted")
        register_encrypted("messaging.InboundMailbox", "imap_password")
        TicketFilterSet.add_filter("reply", filters.reply_filter())
        tracking.connect(bounces.on_tracking, dispatch_uid="messaging-bounces")
        inbound.connect(on_inbound, dispatch_uid="messaging.inbound_email")
