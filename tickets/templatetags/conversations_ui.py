"""Conversation icons: one SVG per author kind (and "human" for a conversation a
human handles), as a tag so a 2,000-message transcript renders them cheaply."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Lucide-style outline icons (24x24, stroked with the text colour).
ICONS = {
    "ai": (
        '<path d="M12 8V4H8"/><rect width="16" height="12" x="4" y="8" rx="2"/>'
        '<path d="M2 14h2"/><path d="M20 14h2"/><path d="M15 13v2"/><path d="M9'
        ' 13v2"/>'
    ),
    "human": (
        '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>'
    ),
    "contact": (
        '<path d="M19 21v-2a4 4 0 0 0-4-4H9a4 4 0 0 0-4 4v2"/><circle cx="12" c'
        'y="7" r="4"/>'
    ),
    "agent": (
        '<path d="M3 14h3a2 2 0 0 1 2 2v3a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-7a9 9 '
        '0 0 1 18 0v7a2 2 0 0 1-2 2h-1a2 2 0 0 1-2-2v-3a2 2 0 0 1 2-2h3"/>'
    ),
    "tool": (
        '<path d="M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.77-3.77a6'
        " 6 0 0 1-7.94 7.94l-6.91 6.91a2.12 2.12 0 0 1-3-3l6.91-6.91a6 6 0 0 1 "
        '7.94-7.94l-3.76 3.76z"/>'
    ),
    "system": (
        '<circle cx="12" cy="12" r="10"/><path d="M12 16v-4"/><path d="M12 8h.01"/>'
    ),
}


@register.simple_tag
def kind_icon(kind: str, size: int = 16) -> str:
    """The icon of `kind` (contact, ai, agent, system, tool, human), decorative."""
    paths = ICONS.get(kind, ICONS["system"])
    return format_html(
        '<svg class="kind-icon {}" aria-hidden="true" width="{}" height="{}" '
        'viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
        'stroke-linecap="round" stroke-linejoin="round">{}</svg>',
        kind,
        size,
        size,
        mark_safe(paths),  # noqa: S308 - the constant paths above
    )
