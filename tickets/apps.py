from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self):
        # Registers the background export task with Celery (not in a tasks.py).
        from tickets import events, notifications  # noqa: F401
        from tickets.exports import jobs  # noqa: F401

        events.register(notifications.on_ticket_events, order=200)
