"""A reply as the customer sees it: the callback event and the e-mail's parts."""

import html
import re

from django.template.defaultfilters import linebreaksbr
from django.utils.html import strip_tags

from tickets.templatetags.tickets_ui import markdown

BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
BLOCK_END = re.compile(r"</(p|pre|blockquote|ul|ol)>")
EVENT = "message.created"


def reply_html(body: str) -> str:
    """The Markdown as sanitised HTML (the tags the thread allows)."""
    return str(markdown(body))


def reply_text(body: str) -> str:
    """The Markdown as plain text: rendered, then stripped of every tag."""
    rendered = BLOCK_END.sub("\n\n", reply_html(body))
    rendered = rendered.replace("<br />", "\n").replace("<li>", "- ")
    text = html.unescape(strip_tags(rendered))
    return BLANK_LINES.sub("\n\n", text).strip()


def email_text(body: str, signature: str) -> str:
    """The plain-text part: the reply and, under the standard "-- " line, the
    workspace's signature as written."""
    text = reply_text(body)
    signature = (signature or "").strip()
    return f"{text}\n\n-- \n{signature}\n" if signature else f"{text}\n"


def email_html(body: str, signature: str) -> str:
    """The HTML part: the sanitised reply and the escaped signature."""
    signature = (signature or "").strip()
    sign = f"<p>-- <br>{linebreaksbr(signature)}</p>" if signature else ""
    return f"<!doctype html><html><body>{reply_html(body)}{sign}</body></html>"


def email_subject(ref: str, subject: str, *, is_reply: bool) -> str:
    """`[TKT-42] subject`, with `Re: ` once the thread has an e-mail before it."""
    line = " ".join(f"[{ref}] {subject}".split())[:250]
    return f"Re: {line}" if is_reply else line
