from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from anymail.signals import inbound, tracking

        from messaging import bounces, filters, outbound
        from messaging.inbound.webhooks import on_inbound
        from tickets import events
        from tickets.filters import TicketFilterSet

        # After the sync outbox (300): the reply's links to platforms exist by now.
        events.register(outbound.on_ticket_events, order=400)
        TicketFilterSet.add_filter("reply", filters.reply_filter())
        tracking.connect(bounces.on_tracking, dispatch_uid="messaging-bounces")
        inbound.connect(on_inbound, dispatch_uid="messaging.inbound_email")
