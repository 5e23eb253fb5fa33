"""How replies reach customers and how their answers come back: channels
(chat callback, e-mail), delivery states and inbound e-mail."""

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from anymail.signals import inbound

        from messaging.inbound.webhooks import on_inbound

        inbound.connect(on_inbound, dispatch_uid="messaging.inbound_email")
