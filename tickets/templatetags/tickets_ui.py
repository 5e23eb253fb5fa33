"""Template helpers of the agent UI."""

import re

import markdown as markdown_lib
import nh3
from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from tickets import panel_tabs, selectors, wording

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
}
MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+)")
# A URL that reads as a script once whitespace and control characters are gone:
# browsers drop tabs and newlines inside a URL, and Markdown turns tabs into spaces.
SCRIPT_URL = re.compile(r"^(javascript|vbscript|data):")
IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")


@register.simple_tag
def optional_url(name: str, *args) -> str:
    """The URL named `name`, or "" when no app provides it (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def markdown(text: str) -> str:
    """Markdown rendered and sanitised; @mentions highlighted."""
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "nl2br"])
    html = MENTION.sub(r'<span class="mention">@\1</span>', html)
    return mark_safe(  # noqa: S308 - nh3 removed everything but ALLOWED_TAGS
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}, "span": {"class"}},
            attribute_filter=_drop_script_url,
        )
    )


def _drop_script_url(element: str, attribute: str, value: str) -> str | None:
    """nh3 drops javascript: links itself; this also drops obfuscated ones."""
    if attribute == "href" and SCRIPT_URL.match(IGNORED_IN_URL.sub("", value).lower()):
        return None
    return value


@register.filter
def initials(user) -> str:
    if user is None:
        return "?"
    name = (user.get_full_name() or user.get_username()).split()
    return "".join(part[0] for part in name[:2]).upper() or "?"


@register.filter
def display_name(user) -> str:
    if user is None:
        return "Unassigned"
    return user.get_full_name() or user.get_username()


@register.filter
def humanise(code) -> str:
    return wording.humanise(code)


@register.filter
def summary_author(summary_by: str) -> str:
    return wording.summary_author(summary_by)


@register.filter
def ago(value) -> str:
    """`3 hours ago`: the largest unit only, for dense lists."""
    if not value:
        return ""
    return f"{timesince(value, depth=1)} ago"


@register.filter
def event_value(value) -> str:
    """An old/new value of a TicketEvent (dicts of id and name, or plain values)."""
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if value is None or value == "":
        return "none"
    return str(value)


@register.simple_tag
def status_options(rows, ticket) -> str:
    """The ticket's status and the ones it may move to, as options with the
    workspace's names (tickets.ui.listing.RowData)."""
    return rows.statuses(ticket)


@register.simple_tag
def selecting(options, value) -> str:
    """A page's options written once (tickets.ui.listing.Options), `value` selected."""
    return options.selecting(value)


@register.simple_tag
def event_in_words(event, ticket) -> str:
    """An activity entry's detail in words ("Open → In Progress")."""
    return wording.event_words(event, ticket.workspace)


@register.simple_tag
def history_in_words(entries, ticket) -> list:
    """The History tab's entries with labels, names and local times."""
    return wording.history_in_words(entries, ticket.workspace)


@register.filter
def local_time(value, ticket) -> str:
    """A time in the ticket's workspace time zone, e.g. "Wed 02 Dec 2026, 09:00"."""
    return wording.local_time(value, ticket.workspace.tz)


@register.simple_tag
def composer_macros(membership) -> list:
    """The macros the member may insert (workspace ones and their own), by name."""
    return list(selectors.macros_for(membership=membership))


@register.simple_tag
def attachment_max_bytes() -> int:
    return settings.ATTACHMENTS_MAX_BYTES


@register.simple_tag
def registered_panel_tabs():
    """The panes other apps added to the ticket panel (tickets.panel_tabs), so
    every page that includes the panel lists them without passing them along."""
    return panel_tabs.registered()
