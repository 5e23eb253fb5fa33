"""Gorgias REST API, as documented (tests/fakes/vendor/gorgias/README.md): tickets
(create needs a message and a customer; the list includes trashed tickets),
messages (one whose `sent_datetime` is set is recorded, not sent), users, account,
and the events list used for incremental pull (cursor paging, at most 100).

Strict: Basic `{email}:{api_key}` (or Bearer) credentials, JSON bodies, documented
query parameters and attributes, lower-case enum values. Over the leaky bucket (40
requests per 20 s for API keys) the answer is 429 with Retry-after; every answer
carries X-Gorgias-Account-Api-Call-Limit."""

import base64
import math
import mimetypes

from tests.fakes.server import FakeError, FakePlatform, multipart, unknown_params

USERS = [
    {"id": 600, "email": "agent@acme.test.old", "role": {"name": "agent"}},
    {"id": 601, "email": "agent@acme.test", "role": {"name": "agent"}},
    {"id": 602, "email": "boss@acme.test", "role": {"name": "admin"}},
]
STATUSES = {"open", "closed"}
PRIORITIES = {"low", "normal", "high", "critical", None}
TICKET_KEYS = {
    "subject",
    "status",
    "priority",
    "assignee_user",
    "assignee_team",
    "tags",
    "external_id",
    "customer",
    "messages",
    "channel",
    "via",
    "snooze_datetime",
    "spam",
}
MESSAGE_KEYS = {
    "channel",
    "via",
    "from_agent",
    "public",
    "body_text",
    "body_html",
    "sender",
    "receiver",
    "source",
    "sent_datetime",
    "external_id",
    "subject",
    "attachments",
}
FILE_KEYS = {"url", "name", "size", "content_type", "public"}
PARAMS = {
    "/tickets": {"cursor", "limit", "order_by", "external_id", "customer_id"},
    "/users": {"cursor", "limit", "email", "order_by"},
    "/upload": {"type"},
    "/events": {
        "cursor",
        "limit",
        "order_by",
        "object_type",
        "object_id",
        "types",
        "created_datetime[gt]",
        "created_datetime[gte]",
        "created_datetime[lt]",
        "created_datetime[lte]",
    },
}


def _bad(message: str) -> FakeError:
    return FakeError(400, {"error": {"msg": message}})


class FakeGorgias(FakePlatform):
    prefix = "/api"
    raw_bodies = frozenset({"POST /upload"})

    def __init__(self, credentials: dict | None = None):
        super().__init__(credentials)
        self.tickets: dict[int, dict] = {}
        self.messages: dict[int, list[dict]] = {}
        self.events: list[dict] = []
        self.sent: list[dict] = []  # messages Gorgias delivered to the customer
        self.page_size = 100
        # Cursors are opaque and short-lived (developers.gorgias.com/reference/
        # pagination): expire_cursors() makes every cursor given so far invalid.
        self.cursor_epoch = 0
        # Every write's outcome per ticket: (tag names, message count).
        self.history: dict[int, list[tuple]] = {}
        self.files: dict[str, bytes] = {}  # uploaded file name -> bytes
        # The role of the user the API key belongs to: the key can do what that
        # user can (developers.gorgias.com/docs/access-tokens-api-keys); an
        # observer agent only reads.
        self.role = "agent"

    # --- strictness ---

    def check_auth(self, headers) -> None:
        given = headers.get("Authorization") or ""
        refused = FakeError(401, {"error": {"msg": "Unauthorized"}})
        if given.startswith("Bearer ") and len(given) > 7:
            # An OAuth2 token is checked like a key: only the account's passes.
            if self.credentials and given[7:] != self.credentials.get("oauth_token"):
                raise refused
            return
        if not given.startswith("Basic "):
            raise refused
        try:
            email, _, key = base64.b64decode(given[6:]).decode().partition(":")
        except ValueError:
            raise refused from None
        if not email or not key:
            raise refused
        if self.credentials and (email, key) != (
            self.credentials.get("email"),
            self.credentials.get("api_key"),
        ):
            raise refused

    def too_many(self, wait: float) -> FakeError:
        requests = self.limits["default"][0]
        return FakeError(
            429,
            {"error": {"msg": "Too Many Requests"}},
            {
                "Retry-after": str(max(1, math.ceil(wait))),
                "X-Gorgias-Account-Api-Call-Limit": f"{requests}/{requests}",
            },
        )

    # --- state helpers ---

    def _touch(self, ticket: dict, kind: str = "ticket-updated") -> dict:
        ticket["updated_datetime"] = self.stamp()
        self.history.setdefault(ticket["id"], []).append(
            (
                sorted(t["name"] for t in ticket["tags"]),
                len(self.messages.get(ticket["id"], [])),
            )
        )
        self.events.append(
            {
                "id": len(self.events) + 1,
                "object_type": "Ticket",
                "object_id": ticket["id"],
                "type": kind,
                "created_datetime": ticket["updated_datetime"],
                "user_id": None,
            }
        )
        return ticket

    def remote_edit(self, ticket_id: int, **fields) -> dict:
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.update(fields)
            return dict(self._touch(ticket))

    def add_ticket(self, **fields) -> dict:
        """A ticket made on Gorgias by someone else."""
        with self.lock:
            ticket = self._new({"subject": "Made on Gorgias", **fields})
            ticket.update(fields)
            self.messages[ticket["id"]] = []
            return self._touch(ticket, "ticket-created")

    # --- routes ---

    def route(self, method, path, query, body):
        unknown_params(
            query, PARAMS.get(path, set()), lambda n: _bad(f"Unknown parameters {n}")
        )
        parts = path.strip("/").split("/")
        if path == "/account":
            return 200, {"domain": "acme"}
        if path == "/users/0":  # 0: the user the credentials act as
            email = (self.credentials or {}).get("email") or "agent@acme.test"
            return 200, {"id": 601, "email": email, "role": {"name": self.role}}
        if method != "GET" and self.role == "observer-agent":
            raise FakeError(403, {"error": {"msg": "Forbidden"}})
        if path == "/users":
            email = query.get("email")
            return 200, {
                "data": [u for u in USERS if not email or email in u["email"]],
                "meta": {"next_cursor": None},
            }
        if parts[0] == "users" and len(parts) == 2:
            return 200, self._one(USERS, parts[1])
        if path == "/tickets" and method == "GET":
            ref = query.get("external_id")
            found = [t for t in self.tickets.values() if t["external_id"] == ref]
            return 200, {"data": found, "meta": {"next_cursor": None}}
        if path == "/tickets" and method == "POST":
            return 201, self._create(self._ticket_body(body))
        if parts[0] == "tickets" and len(parts) >= 2:
            ticket = self._one(self.tickets.values(), parts[1])
            if len(parts) == 3 and parts[2] == "messages" and method == "POST":
                return 201, self._message(ticket, body)
            if len(parts) == 2 and method == "GET":
                messages = self.messages.get(ticket["id"], [])
                return 200, {**ticket, "messages": messages}
            if len(parts) == 2 and method == "PUT":
                return 200, self._update(ticket, self._ticket_body(body))
        if path == "/events" and method == "GET":
            return 200, self._events(query)
        if path == "/upload" and method == "POST":
            return 201, self._upload(query, body)
        if path.startswith("/files/") and method == "GET":
            return self._file(path)
        raise FakeError(404, {"error": {"msg": "Resource not found"}})

    def _one(self, items, item_id: str) -> dict:
        found = [i for i in items if str(i["id"]) == item_id]
        if not found:
            raise FakeError(404, {"error": {"msg": "Resource not found"}})
        return found[0]

    def _ticket_body(self, data: dict) -> dict:
        unknown = sorted(set(data) - TICKET_KEYS)
        if unknown:
            raise _bad(f"Unknown fields {unknown}")
        if "status" in data and data["status"] not in STATUSES:
            raise _bad(f"status: {data['status']!r} is not one of {sorted(STATUSES)}")
        if "priority" in data and data["priority"] not in PRIORITIES:
            raise _bad(f"priority: {data['priority']!r} is not valid")
        tags = data.get("tags") or []
        if not all(isinstance(t, dict) and t.get("name") for t in tags):
            raise _bad("tags: a list of objects with a name")
        assignee = data.get("assignee_user")
        if assignee is not None and not isinstance(assignee.get("id"), int):
            raise _bad("assignee_user: an object with an integer id")
        return data

    def _new(self, data: dict) -> dict:
        ticket = {
            "id": self.next_id(),
            "subject": data.get("subject"),
            "status": data.get("status") or "open",
            "priority": data.get("priority") or "normal",
            "assignee_user": data.get("assignee_user"),
            "tags": [{"name": t["name"]} for t in data.get("tags") or []],
            "external_id": data.get("external_id"),
            "customer": data.get("customer"),
            "snooze_datetime": None,
            "trashed_datetime": None,
        }
        self.tickets[ticket["id"]] = ticket
        return ticket

    def _create(self, data: dict) -> dict:
        if not data.get("messages") or not data.get("customer"):
            raise _bad("messages and customer are required")
        for message in data["messages"]:
            self._check_message(message)
        ticket = self._new(data)
        self.messages[ticket["id"]] = [self._stored(m) for m in data["messages"]]
        return self._touch(ticket, "ticket-created")

    def _update(self, ticket: dict, data: dict) -> dict:
        for key in ("subject", "status", "priority", "assignee_user", "tags"):
            if key in data:
                ticket[key] = data[key]
        return self._touch(ticket)

    def _check_message(self, message: dict) -> None:
        unknown = sorted(set(message) - MESSAGE_KEYS)
        if unknown:
            raise _bad(f"Unknown message fields {unknown}")
        for key in ("channel", "via", "from_agent"):
            if key not in message:
                raise _bad(f"messages: {key} is required")
        if not (message.get("body_text") or message.get("body_html")):
            raise _bad("messages: body_text or body_html is required")
        for item in message.get("attachments") or []:
            if (
                not isinstance(item, dict)
                or set(item) - FILE_KEYS
                or not item.get("url")
            ):
                raise _bad("attachments: file objects (url, name, size, content_type)")

    def _stored(self, message: dict) -> dict:
        """The message as the ticket shows it: an id, its sender, its time."""
        sender = message.get("sender") or {"id": 601, "email": "agent@acme.test"}
        return {
            "id": self.next_id(),
            "public": True,
            "attachments": [],
            **message,
            "sender": sender,
            "created_datetime": self.stamp(),
        }

    def remote_message(
        self, ticket_id: int, body: str, *, public=True, sender=None, files=()
    ) -> dict:
        """Someone writes on Gorgias (files: (name, bytes), uploaded first)."""
        with self.lock:
            attachments = [self._keep(name, data) for name, data in files]
            message = {
                "channel": "email" if public else "internal-note",
                "via": "helpdesk",
                "from_agent": True,
                "public": public,
                "body_text": body,
                "attachments": attachments,
                "sender": sender or {"id": 601, "email": "agent@acme.test"},
            }
            stored = self._stored(message)
            self.messages[ticket_id].append(stored)
            self._touch(self.tickets[ticket_id], "ticket-message-created")
            return stored

    def _keep(self, name: str, data: bytes) -> dict:
        key = f"{self.next_id()}-{name}"
        self.files[key] = data
        return {
            "url": f"{self.url.removesuffix(self.prefix)}/api/files/{key}",
            "name": name,
            "size": str(len(data)),  # a string, as the documented example has it
            "content_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        }

    def _upload(self, query: dict, raw: bytes) -> list[dict]:
        """POST /upload: one multipart field per file, named after it."""
        _, files = multipart(self.current_headers, raw)
        if not files:
            raise _bad("no file uploaded")
        return [self._keep(label, data) for label, (_, data, _) in files.items()]

    def _file(self, path: str):
        key = path.removeprefix("/files/")
        if key not in self.files:
            raise FakeError(404, {"error": {"msg": "Resource not found"}})
        return 200, self.files[key]

    def _message(self, ticket: dict, message: dict) -> dict:
        self._check_message(message)
        message = self._stored(message)
        self.messages.setdefault(ticket["id"], []).append(message)
        if (
            message.get("public", True)
            and message["channel"] != "internal-note"
            and not message.get("sent_datetime")
        ):
            self.sent.append(message)  # Gorgias sends it to the customer
        self._touch(ticket, "ticket-message-created")
        return message

    def _events(self, query: dict) -> dict:
        found = self.events
        for name, keep in (("gt", str.__gt__), ("gte", str.__ge__)):
            if f"created_datetime[{name}]" in query:
                bound = query[f"created_datetime[{name}]"]
                found = [e for e in found if keep(e["created_datetime"], bound)]
        if query.get("order_by", "created_datetime:asc") != "created_datetime:asc":
            found = list(reversed(found))
        limit = int(query.get("limit") or 30)
        if limit > 100:
            raise _bad("limit: at most 100")
        start = self._cursor_offset(query.get("cursor") or "")
        page = found[start : start + min(limit, self.page_size)]
        after = start + len(page)
        epoch = self.cursor_epoch
        return {
            "data": page,
            "meta": {
                "next_cursor": f"{epoch}.{after}" if after < len(found) else None,
                "prev_cursor": f"{epoch}.{start}" if start else None,
            },
        }

    def expire_cursors(self) -> None:
        self.cursor_epoch += 1

    def _cursor_offset(self, cursor: str) -> int:
        if not cursor:
            return 0
        epoch, _, offset = cursor.partition(".")
        if epoch != str(self.cursor_epoch) or not offset.isdigit():
            raise _bad("cursor: invalid or expired cursor")
        return int(offset)
