"""Macro placeholders: a fixed set of names replaced by plain strings.

A macro body is never rendered by a template engine against live objects: the
only syntax is `{{ name }}` with a name from PLACEHOLDERS, replaced by a string
computed here and HTML-escaped. Anything else that looks like template syntax
(`{{ settings.SECRET_KEY }}`, `{{ ticket.__class__ }}`, `{% load %}`, filters)
is refused when the macro is saved (`body_errors`), and left as inert text by
`render_body` should it reach it some other way.
"""

import re
from collections.abc import Callable

from django.utils.html import escape


def _first_name(full: str) -> str:
    return full.split()[0] if full and full.split() else ""


def _requester_name(ticket) -> str:
    requester = ticket.requester
    return (requester.name or requester.email) if requester else ""


def _agent_name(agent) -> str:
    if agent is None:
        return ""
    return agent.get_full_name() or agent.get_username()


# name -> (what it is, how to compute it from (ticket, agent)); the documented set.
PLACEHOLDERS: dict[str, tuple[str, Callable]] = {
    "requester.name": ("The requester's name", lambda t, a: _requester_name(t)),
    "requester.first_name": (
        "The requester's first name",
        lambda t, a: _first_name(_requester_name(t)),
    ),
    "requester.email": (
        "The requester's e-mail",
        lambda t, a: t.requester.email if t.requester else "",
    ),
    "ticket.ref": ("The ticket's reference, e.g. TKT-42", lambda t, a: t.ref),
    "ticket.number": ("The ticket's number", lambda t, a: str(t.number)),
    "ticket.subject": ("The ticket's subject", lambda t, a: t.subject),
    "ticket.status": ("The ticket's status", lambda t, a: t.get_status_display()),
    "ticket.priority": (
        "The ticket's priority",
        lambda t, a: t.get_priority_display(),
    ),
    "agent.name": ("Your name", lambda t, a: _agent_name(a)),
    "agent.first_name": (
        "Your first name",
        lambda t, a: (a.first_name if a else "") or _first_name(_agent_name(a)),
    ),
    "agent.email": ("Your e-mail", lambda t, a: a.email if a else ""),
    "workspace.name": ("The workspace's name", lambda t, a: t.workspace.name),
}

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)
ALLOWED = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)


def body_errors(body: str) -> list[str]:
    """Why `body` may not be saved: each template tag and unknown placeholder, by
    name. Empty when every `{{ ... }}` is one of PLACEHOLDERS."""
    errors = [
        f"{tag} is template code, which macros do not run; "
        f"use only the placeholders {ALLOWED}."
        for tag in dict.fromkeys(m.group(0) for m in TAG.finditer(body or ""))
    ]
    for match in PLACEHOLDER.finditer(body or ""):
        name = match.group(1).strip()
        if name not in PLACEHOLDERS:
            errors.append(
                f"{match.group(0)} is not a placeholder; use one of {ALLOWED}."
            )
    return list(dict.fromkeys(errors))


def placeholder_values(ticket, agent) -> dict[str, str]:
    """Every placeholder's value for `ticket` answered by `agent`, as plain strings."""
    return {
        name: str(compute(ticket, agent)) for name, (_, compute) in PLACEHOLDERS.items()
    }


def render_body(body: str, values: dict[str, str]) -> str:
    """`body` with each known placeholder replaced by its HTML-escaped value;
    anything else is left as it was written (inert text)."""

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        if name in values:
            return escape(values[name])
        return match.group(0)

    return PLACEHOLDER.sub(replace, body or "")
