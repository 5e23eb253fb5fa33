"""Reading a raw e-mail: addresses, threading headers, the text a customer wrote
(quoted history and signature stripped) and the HTML part sanitised."""

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

import nh3
from email_reply_parser import EmailReplyParser

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Where a reply's quoted history starts when the client did not mark it with ">".
_QUOTE_HEADER = re.compile(
    r"^(-{2,}\s*Original Message\s*-{2,}|_{10,}|From:\s.+\n(Sent|Date):\s)",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)  # RFC 3676's "-- " delimiter
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
_BLOCKS |= {"blockquote", "pre", "table", "ul", "ol"}


@dataclass
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    recipients: list[str]
    subject: str
    in_reply_to: str
    references: list[str]
    text: str  # what the customer wrote: quotes and signature stripped
    html: str  # the HTML part, sanitised by nh3 ("" for plain-text mail)
    headers: EmailMessage = field(repr=False)


def message_ids(value: str) -> list[str]:
    """The `<id@host>` tokens of a Message-ID / In-Reply-To / References header."""
    return _MESSAGE_ID.findall(value or "")


def header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot read
        value = msg.get_all(name, failobj=[""])[0] if name in msg else ""
    # NUL cannot be stored in a PostgreSQL text column.
    return " ".join(str(value or "").replace("\x00", "").split())


def _part_text(part: EmailMessage | None) -> str:
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\x00", "") if isinstance(text, str) else ""


class _TextOf(HTMLParser):
    """The text of (already sanitised) HTML, one line per block element; quoted
    history (`<blockquote>`) left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.quoted = 0

    def handle_starttag(self, tag, attrs):
        self.quoted += tag == "blockquote"
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.quoted -= tag == "blockquote" and self.quoted > 0
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.quoted:
            self.parts.append(re.sub(r"\s+", " ", data))


def sanitise_html(html: str) -> str:
    """The HTML without scripts, styles, event handlers or javascript: links."""
    return nh3.clean(html)


def html_to_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(sanitise_html(html))
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_reply(text: str) -> str:
    """The new text of a reply: the quoted history and the signature cut off (the
    whole text when nothing would be left)."""
    text = text.replace("\r\n", "\n")
    new = EmailReplyParser.parse_reply(text)
    for pattern in (_QUOTE_HEADER, _SIGNATURE):
        match = pattern.search(new)
        if match:
            new = new[: match.start()]
    return new.strip() or text.strip()


def parse(raw: bytes) -> ParsedEmail:
    msg = email.message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(header(msg, "From"))
    recipient_headers = ("To", "Cc", "Delivered-To", "X-Original-To")
    recipients = [
        addr.lower()
        for _, addr in getaddresses([header(msg, h) for h in recipient_headers])
        if "@" in addr
    ]
    ids = message_ids(header(msg, "Message-ID"))
    html_part = msg.get_body(preferencelist=("html",))
    html = sanitise_html(_part_text(html_part)).strip() if html_part else ""
    plain = _part_text(msg.get_body(preferencelist=("plain",)))
    text = plain if plain.strip() else html_to_text(html)
    reply_to = message_ids(header(msg, "In-Reply-To"))
    return ParsedEmail(
        # Mail without a usable Message-ID gets one from its bytes: a second copy
        # of the same mail is then still the same mail.
        message_id=(ids[0] if ids and len(ids[0]) <= 255 else "")
        or f"<{hashlib.sha256(raw).hexdigest()}@inbound.invalid>",
        from_address=address.lower(),
        from_name=name,
        recipients=recipients,
        subject=header(msg, "Subject"),
        in_reply_to=reply_to[0] if reply_to else "",
        references=message_ids(header(msg, "References")),
        text=strip_reply(text),
        html=html,
        headers=msg,
    )
