from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self):
        from sla import selectors
        from sla.services import hooks, policies
        from tickets import events
        from tickets.filters import TicketFilterSet
        from tickets.selectors import add_list_prefetch

        # Clocks first: they see the change before notifications and the outbox.
        events.register(hooks.on_ticket_events, order=100)
        events.register_opener(hooks.on_ticket_opening, order=100)
        policies.track_policy_config()
        TicketFilterSet.add_filter("sla", selectors.sla_ticket_filter())
        add_list_prefetch(selectors.prefetch_sla_clocks)
