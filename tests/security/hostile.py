"""Hostile input, drawn from a seeded generator so a failing run can be replayed
(`FUZZ_SEED=n`): text, numbers, dates, cursors, headers and nesting as a careless
client or an attacker sends them."""

import base64
import json
import random
from urllib.parse import quote

# Text that broke, or could break, a layer between the socket and PostgreSQL.
TEXTS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "<script>alert(1)</script>",
    "'; DROP TABLE tickets_ticket; --",
    "{{ 7*7 }}{% now 'Y' %}",
    "%s%n%x",
    "\r\n\r\nInjected: yes",
    "😀" * 10,
    "e\u0301\u0301\u0301",
    " ",
    "",
    "../../etc/passwd",
    "a" * 300,
    "x" * 100_000,
]
# Numbers: the digits str.isdigit() accepts and int() does not (superscripts,
# circled), others int() accepts but are not ASCII, and the edges of 32/64 bits.
NUMBERS = [
    "²",
    "①",
    "٣",
    "１２",
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "Infinity",
    "2147483648",
    "9223372036854775808",
    str(2**70),
    "-" + str(2**70),
    "9" * 400,
    "0x10",
    " 7 ",
    "",
]
DATES = [
    "2026-02-30",
    "2025-02-29",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "2026-02-30T10:00:00Z",
    "2026-01-01T25:61:61",
    "2026-01-01T00:00:00+99:00",
    "1970-01-01T00:00:00Z",
    "99999999999",
    "-99999999999",
    "yesterday",
]


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CURSORS = [
    "!!!",
    "cD0x",
    _cursor("p=²"),
    _cursor("p=" + str(2**70)),
    _cursor("o=-1&p=1"),
    _cursor("o=" + str(2**70)),
    _cursor("r=1&p=2026-02-30"),
    _cursor("p=1|" + str(2**70)),
    _cursor("p=\x00"),
    _cursor("p=NaN"),
    _cursor("x" * 5000),
]
ETAGS = [
    '"²"',
    '"①"',
    '"' + str(2**70) + '"',
    'W/"1"',
    "*",
    '"-1"',
    "",
    "\x00",
    '"1", "2"',
    "garbage",
]
KEYS = ["\x00", "ü" * 10, "k" * 5000, "", " ", "a\r\nb"]
FIELD_NAMES = [
    "q",
    "search",
    "status",
    "priority",
    "team",
    "label",
    "assignee",
    "tag",
    "tags",
    "tag_mode",
    "snoozed",
    "sla",
    "page",
    "cursor",
    "ordering",
    "sort",
    "view",
    "group",
    "from",
    "to",
    "since",
    "until",
    "start",
    "end",
    "created_after",
    "created_before",
    "updated_after",
    "due",
    "number",
    "numbers",
    "workspace",
    "format",
    "columns",
    "subject",
    "body",
    "content",
    "name",
    "value",
    "field",
    "action",
    "reason",
    "minutes",
    "version",
    "p",
    "o",
    "e",
    "id",
    "id__exact",
    "pk",
    "all",
    "username",
    "password",
    "email",
    "next",
    "file",
    "preview",
    "token",
    "role",
    "user",
]


class Hostile:
    """Draws hostile values; every draw comes from one seeded random.Random."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def choice(self, values):
        return self.random.choice(values)

    def scalar(self) -> str:
        pool = self.choice([TEXTS, NUMBERS, DATES, CURSORS])
        return self.choice(pool)

    def nested(self, depth: int | None = None) -> str:
        """JSON text nested `depth` deep (too deep for json.dumps to build)."""
        depth = depth or self.choice([50, 200, 1000, 5000])
        opening = "".join('{"a":' if level % 2 else "[" for level in range(depth))
        closing = "".join("}" if level % 2 else "]" for level in reversed(range(depth)))
        return opening + json.dumps(self.scalar()) + closing

    def json_value(self) -> str:
        """One JSON value, as text."""
        kind = self.random.random()
        if kind < 0.15:
            return self.nested()
        if kind < 0.3:
            return self.choice(
                [str(2**70), str(-(2**70)), "1e308", "-1", "0", "true", "null", "1.5"]
            )
        if kind < 0.4:
            items = [
                json.dumps(self.scalar()) for _ in range(self.random.randint(0, 3))
            ]
            return "[" + ",".join(items) + "]"
        if kind < 0.45:
            return json.dumps({"a": self.scalar()})
        return json.dumps(self.scalar())

    def json_body(self, names: list[str]) -> str:
        if self.random.random() < 0.1:
            return self.nested()
        picked = self.random.sample(names, k=min(len(names), 6))
        members = [f"{json.dumps(name)}:{self.json_value()}" for name in picked]
        return "{" + ",".join(members) + "}"

    def form(self, names: list[str]) -> dict[str, str]:
        picked = self.random.sample(names, k=min(len(names), 6))
        return {name: self._form_text() for name in picked}

    def _form_text(self) -> str:
        # A form field cannot carry a lone surrogate (the client encodes UTF-8);
        # its UTF-8 bytes go through the raw query string instead.
        value = self.scalar()
        return value.encode("utf-8", "replace").decode()

    def query_string(self, names: list[str]) -> str:
        parts = []
        for name in self.random.sample(names, k=min(len(names), 4)):
            value = self.scalar()
            encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
            parts.append(f"{name}={encoded[:20_000]}")
        return "&".join(parts)

    def headers(self) -> dict[str, str]:
        out = {}
        if self.random.random() < 0.5:
            out["HTTP_IF_MATCH"] = self.choice(ETAGS)
        if self.random.random() < 0.3:
            out["HTTP_IDEMPOTENCY_KEY"] = self.choice(KEYS)
        if self.random.random() < 0.2:
            out["HTTP_HX_REQUEST"] = "true"
        if self.random.random() < 0.1:
            out["HTTP_ACCEPT"] = self.choice(["text/html", "application/json", "*/*"])
        return out

    def path_value(self, converter: str) -> str:
        if converter == "int":
            return self.choice(["0", str(2**31), str(2**63), str(2**70), "9" * 300])
        if converter == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        if converter == "slug":
            return self.choice(["x" * 300, "-", "nope", "__"])
        value = self.choice(TEXTS + NUMBERS)
        return quote(value.encode("utf-8", "surrogatepass"), safe="")[:3000] or "%20"

    def zendesk_event(self) -> str:
        """A Zendesk ticket event whose values go over every local limit."""
        ticket = {
            "id": self.choice(["1", 5, str(2**70), "x" * 300, "\x00"]),
            "subject": self.choice(
                ["s" * 500, 42, None, ["a"], {"a": 1}, "\x00\ud800", "ok"]
            ),
            "tags": self.choice(
                ["one two", ["t" * 80], [1, None], "x" * 300, {"a": 1}, []]
            ),
            "status": self.choice(["open", "bogus", 3, None]),
            "priority": self.choice(["urgent", "??", 7, None]),
            "updated_at": self.choice(DATES + [None, 2**70]),
            "external_id": self.choice(["TKT-1", "x" * 300, None, 5]),
        }
        event = {"id": self.scalar()[:300], "type": "zen:event-type:ticket.updated"}
        body = json.dumps({**event, "detail": ticket})
        return body if self.random.random() < 0.9 else self.nested()

    def escalation(self) -> str:
        """An escalation payload with hostile texts, dates and numbers."""
        message = {
            "author_kind": self.choice(["contact", "ai", "x"]),
            "body": self.choice(TEXTS),
            "sent_at": self.choice(DATES),
        }
        payload = {
            "event_id": self.choice(TEXTS),
            "conversation": {
                "external_id": self.choice(TEXTS),
                "started_at": self.choice(DATES),
                "contact": {"email": self.choice(TEXTS), "name": self.choice(TEXTS)},
                "messages": [message],
            },
            "confidence": self.choice([2**70, -1, "50", 50, None]),
            "priority": self.choice(NUMBERS + [2**70, 3]),
            "subject": self.choice(TEXTS),
        }
        return json.dumps(payload)
