from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self):
        from helpdesk import config_cache
        from helpdesk.models import Team
        from tickets import events, notifications

        # Registers the background export task with Celery (not in a tasks.py).
        from tickets.exports import jobs  # noqa: F401
        from tickets.models import EscalationRule, Label

        events.register(notifications.on_ticket_events, order=200)
        # The intake caches each workspace's rules with their team and label.
        for model in (EscalationRule, Label, Team):
            config_cache.track(model, lambda row: row.workspace_id)
