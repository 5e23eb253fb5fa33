"""Tabs other apps add to the ticket panel (the hook the panel calls, so the ticket
UI never imports those apps): each app registers its tab in `AppConfig.ready()` with
the template of its pane; the panel lists it after its own tabs and includes the
template. A registered pane loads its content itself (htmx), so the panel's own
queries do not change."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PanelTab:
    key: str
    label: str
    template: str


_tabs: dict[str, PanelTab] = {}


def register(key: str, label: str, template: str) -> None:
    """Add tab `key` to the panel; registering it again replaces it."""
    _tabs[key] = PanelTab(key, label, template)


def registered() -> list[PanelTab]:
    return list(_tabs.values())
