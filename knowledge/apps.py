from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self):
        from knowledge import handlers
        from tickets import events, panel_tabs

        # After the reply channels (400): only queues a task once the change commits.
        events.register(handlers.on_ticket_events, order=500)
        panel_tabs.register(
            "insights", "AI Insights", "knowledge/panel/_insights_tab.html"
        )
