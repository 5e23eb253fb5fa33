from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from integrations import (
            checks,  # noqa: F401 (registers the system check)
            filters,
            outbox,
        )
        from integrations.crypto import register_encrypted
        from tickets import events
        from tickets.filters import TicketFilterSet
        from tickets.selectors import add_list_prefetch

        # After the SLA clocks (100) and the notifications (200) of the same change.
        events.register(outbox.on_ticket_events, order=300)
        register_encrypted(
            "integrations.Connection",
            "credentials_encrypted",
            "webhook_secret_encrypted",
        )
        TicketFilterSet.add_filter("sync_status", filters.sync_status_filter())
        add_list_prefetch(filters.prefetch_external_links)
