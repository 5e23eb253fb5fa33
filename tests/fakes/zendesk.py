"""Zendesk Support API v2, as documented (tests/fakes/vendor/zendesk/README.md):
tickets (external_id lookup, create, update with safe_update, soft delete; closed
tickets refuse updates), users (search is a fuzzy full-text search, not an e-mail
match), and the cursor-based incremental export with `end_of_stream`, deleted
tickets unless `exclude_deleted=true`, admins only.

Strict: Basic `{email}/token:{api_token}` (or Bearer) credentials, JSON bodies,
documented query parameters and ticket attributes, lower-case enum values; a tag
with spaces becomes one tag per word, as Zendesk does. 429s carry Retry-After."""

import base64
import math
import mimetypes
import time
from datetime import UTC, datetime

from tests.fakes.server import FakeError, FakePlatform, unknown_params

USERS = [
    {"id": 499, "email": "former.agent@acme.test", "name": "Ex", "role": "end-user"},
    {"id": 501, "email": "agent@acme.test", "name": "Agent", "role": "agent"},
    {"id": 502, "email": "boss@acme.test", "name": "Boss", "role": "admin"},
    {"id": 503, "email": "requester@acme.test", "name": "Req", "role": "end-user"},
]
STATUSES = {"new", "open", "pending", "hold", "solved", "closed"}
PRIORITIES = {"low", "normal", "high", "urgent", None}
TICKET_KEYS = {
    "subject",
    "comment",
    "status",
    "priority",
    "assignee_id",
    "group_id",
    "tags",
    "additional_tags",
    "remove_tags",
    "external_id",
    "requester",
    "requester_id",
    "via_followup_source_id",
    "safe_update",
    "updated_stamp",
    "type",
    "due_at",
    "custom_fields",
}
COMMENT_KEYS = {"body", "html_body", "public", "author_id", "uploads", "type"}
PARAMS = {
    "/tickets": {"external_id", "page[size]", "page[after]", "sort"},
    "/uploads": {"filename", "token"},
    "file": {"name"},
    "comments": {
        "include",
        "include_inline_images",
        "sort_order",
        "page[size]",
        "page[after]",
        "page[before]",
    },
    "/users/search": {"query", "external_id"},
    "/incremental/tickets/cursor.json": {
        "start_time",
        "cursor",
        "per_page",
        "exclude_deleted",
        "include",
        "support_type_scope",
    },
}


def _invalid(details: dict) -> FakeError:
    return FakeError(
        422,
        {"error": "RecordInvalid", "description": "Record validation errors"}
        | {"details": details},
    )


def _zendesk_tags(names) -> list[str]:
    """Zendesk stores tags lower case, one word each: "two words" is two tags."""
    return sorted({word.lower() for name in names or [] for word in name.split()})


class FakeZendesk(FakePlatform):
    prefix = "/api/v2"
    raw_bodies = frozenset({"POST /uploads"})

    def __init__(self, credentials: dict | None = None):
        super().__init__(credentials)
        self.tickets: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.changes: list[int] = []
        self.page_size = 1000
        self.role = "admin"  # the role of the user whose credentials are used
        self.users = [dict(user) for user in USERS]  # requesters are added
        self.uploads: dict[str, dict] = {}  # token -> attachment, not yet used
        self.files: dict[str, bytes] = {}  # content_url path -> bytes
        self.comments_page = 100  # the most a comments page holds
        self.last_events: list[dict] = []  # the audit of the request under way

    # --- strictness ---

    def check_auth(self, headers) -> None:
        given = headers.get("Authorization") or ""
        refused = FakeError(401, {"error": "Couldn't authenticate you"})
        if given.startswith("Bearer ") and len(given) > 7:
            if self.credentials and given[7:] != self.credentials.get("oauth_token"):
                raise refused
            return
        if not given.startswith("Basic "):
            raise refused
        try:
            user, _, token = base64.b64decode(given[6:]).decode().partition(":")
        except ValueError:
            raise refused from None
        email, marker, _ = user.partition("/")
        if marker != "/" or user != f"{email}/token" or not email or not token:
            raise refused
        if self.credentials and (email, token) != (
            self.credentials.get("email"),
            self.credentials.get("api_token"),
        ):
            raise refused

    def rate_group(self, method: str, path: str) -> str:
        if path.startswith("/incremental/"):
            return "incremental_export"
        if method == "PUT" and path.startswith("/tickets/"):
            return "ticket_update"
        return "account"

    def too_many(self, wait: float) -> FakeError:
        return FakeError(
            429,
            {
                "error": "APIRateLimitExceeded",
                "description": "Number of allowed API requests per minute exceeded",
            },
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )

    def _params(self, path: str, query: dict) -> None:
        def error(names):
            return FakeError(
                400,
                {"error": "InvalidParameter", "description": f"Unknown {names}"},
            )

        key = "comments" if path.endswith("/comments") else path
        if path.startswith("/attachments/token/"):
            key = "file"
        unknown_params(query, PARAMS.get(key, set()), error)

    # --- state helpers ---

    def _touch(self, ticket: dict) -> dict:
        ticket["updated_at"] = self.stamp().replace("+00:00", "Z")
        self.changes.append(ticket["id"])
        return ticket

    def remote_edit(self, ticket_id: int, **fields) -> dict:
        """A change made by someone on Zendesk."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.update(fields)
            return dict(self._touch(ticket))

    def remote_delete(self, ticket_id: int) -> None:
        """An agent deletes the ticket on Zendesk (a soft delete)."""
        with self.lock:
            self._touch(self.tickets[ticket_id])["status"] = "deleted"

    def remote_comment(
        self, ticket_id: int, body: str, *, public=True, author_id=501, files=()
    ) -> dict:
        """Someone comments on Zendesk (files: (name, bytes) uploaded first)."""
        with self.lock:
            tokens = [self._upload({"filename": n}, data)["token"] for n, data in files]
            ticket = self.tickets[ticket_id]
            comment = {"body": body, "public": public, "author_id": author_id}
            stored = self._comment(ticket, comment | {"uploads": tokens})
            self.last_events.clear()  # no request is answered with this audit
            self._touch(ticket)
            return stored

    def add_ticket(self, **fields) -> dict:
        """A ticket made on Zendesk by someone else."""
        with self.lock:
            ticket = self._new(
                {"subject": "Made on Zendesk", "status": "open", **fields}
            )
            ticket.update(fields)
            return self._touch(ticket)

    # --- routes ---

    def route(self, method, path, query, body):
        self._params(path, query)
        parts = path.strip("/").split("/")
        if path == "/users/me":
            email = (self.credentials or {}).get("email", "agent@acme.test")
            me = next((u for u in self.users if u["email"] == email), self.users[1])
            return 200, {"user": {**me, "role": self.role}}
        if path == "/users/search":
            return 200, {"users": self._search_users(query.get("query", ""))}
        if parts[0] == "users" and len(parts) == 2:
            return 200, {"user": self._one(self.users, parts[1])}
        if path == "/tickets" and method == "GET":
            ref = query.get("external_id")
            found = [t for t in self.tickets.values() if t["external_id"] == ref]
            return 200, {"tickets": found, "meta": {"has_more": False}}
        if path == "/tickets" and method == "POST":
            return 201, self._audited(self._create(self._ticket_body(body)))
        if path == "/uploads" and method == "POST":
            return 201, {"upload": self._upload(query, body)}
        if path.startswith("/attachments/token/") and method == "GET":
            return self._file(path)
        if parts[0] == "tickets" and len(parts) == 3 and parts[2] == "comments":
            ticket = self._one(self.tickets.values(), parts[1])
            return 200, self._comment_page(ticket, query)
        if parts[0] == "tickets" and len(parts) == 2:
            ticket = self._one(self.tickets.values(), parts[1])
            if method == "GET":
                return 200, {"ticket": ticket}
            if method == "PUT":
                return 200, self._audited(self._update(ticket, self._ticket_body(body)))
            if method == "DELETE":
                self.remote_delete(ticket["id"])
                return 204, {}
        if path == "/incremental/tickets/cursor.json" and method == "GET":
            return 200, self._export(query)
        raise FakeError(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _one(self, items, item_id: str) -> dict:
        found = [i for i in items if str(i["id"]) == item_id]
        if not found:
            raise FakeError(
                404, {"error": "RecordNotFound", "description": "Not found"}
            )
        return found[0]

    def _search_users(self, query: str) -> list[dict]:
        """Full-text search: every user whose e-mail or name contains the words,
        by id (so a near miss can come before the exact address)."""
        words = query.replace("email:", " ").split()
        return [
            u
            for u in self.users
            if words and all(w.lower() in u["email"] + " " + u["name"] for w in words)
        ]

    def _ticket_body(self, body: dict) -> dict:
        if set(body) != {"ticket"} or not isinstance(body["ticket"], dict):
            raise FakeError(400, {"error": "InvalidParameter", "description": "ticket"})
        data = body["ticket"]
        unknown = sorted(set(data) - TICKET_KEYS)
        if unknown:
            raise _invalid({key: [{"description": "Unknown"}] for key in unknown})
        if "status" in data and data["status"] not in STATUSES:
            raise _invalid({"status": [{"description": f"Status: {data['status']}"}]})
        if "priority" in data and data["priority"] not in PRIORITIES:
            raise _invalid({"priority": [{"description": "Priority: invalid"}]})
        return data

    def _new(self, data: dict) -> dict:
        ticket = {
            "id": self.next_id(),
            "subject": data.get("subject"),
            "description": (data.get("comment") or {}).get("body", ""),
            "status": data.get("status") or "new",
            "priority": data.get("priority"),
            "assignee_id": data.get("assignee_id"),
            "requester_id": data.get("requester_id"),
            "tags": _zendesk_tags(data.get("tags")),
            "external_id": data.get("external_id"),
            "via_followup_source_id": data.get("via_followup_source_id"),
        }
        self.tickets[ticket["id"]] = ticket
        self.comments[ticket["id"]] = []
        return ticket

    def _create(self, data: dict) -> dict:
        if not data.get("comment"):
            raise _invalid({"comment": [{"description": "Comment: is required"}]})
        if data.get("requester"):
            email = data["requester"].get("email")
            found = [u for u in self.users if u["email"] == email]
            if not found:
                found = [
                    {"id": self.next_id(), "email": email, "role": "end-user"}
                    | {"name": data["requester"].get("name") or email}
                ]
                self.users.append(found[0])
            data["requester_id"] = found[0]["id"]
        ticket = self._new(data)
        self._comment(ticket, data["comment"])
        return self._touch(ticket)

    def _update(self, ticket: dict, data: dict) -> dict:
        if ticket["status"] in ("closed", "deleted"):
            raise _invalid(
                {"status": [{"description": "Status: closed prevents ticket update"}]}
            )
        if data.get("safe_update"):
            seen = data.get("updated_stamp")
            if not seen or _when(seen) != _when(ticket["updated_at"]):
                raise FakeError(
                    409,
                    {
                        "error": "UpdateConflict",
                        "description": "Safe Update prevented the update due to "
                        "outdated ticket data. Please fetch the latest ticket data "
                        "and try again.",
                    },
                )
        for key in ("subject", "status", "priority", "assignee_id"):
            if key in data:
                ticket[key] = data[key]
        if "tags" in data:
            ticket["tags"] = _zendesk_tags(data["tags"])
        added = _zendesk_tags(data.get("additional_tags"))
        removed = set(_zendesk_tags(data.get("remove_tags")))
        ticket["tags"] = sorted((set(ticket["tags"]) | set(added)) - removed)
        if "comment" in data:
            self._comment(ticket, data["comment"])
        return self._touch(ticket)

    # --- comments and attachments ---

    def _api_user(self) -> int:
        email = (self.credentials or {}).get("email", "agent@acme.test")
        return next((u["id"] for u in self.users if u["email"] == email), 501)

    def _comment(self, ticket: dict, data: dict) -> dict:
        unknown = sorted(set(data) - COMMENT_KEYS)
        if unknown:
            raise _invalid({key: [{"description": "Unknown"}] for key in unknown})
        if not (data.get("body") or data.get("html_body")):
            raise _invalid({"comment": [{"description": "Comment: is required"}]})
        tokens = data.get("uploads") or []
        if any(token not in self.uploads for token in tokens):
            raise _invalid({"uploads": [{"description": "Uploads: invalid token"}]})
        body = data.get("body") or data.get("html_body")
        stored = {
            "id": self.next_id(),
            "type": "Comment",
            "author_id": data.get("author_id") or self._api_user(),
            "body": body,
            "html_body": f"<p>{body}</p>",
            "plain_body": body,
            "public": data.get("public", True),
            "attachments": [self.uploads.pop(token) for token in tokens],
            "audit_id": self.next_id(),
            "created_at": self.stamp().replace("+00:00", "Z"),
            "via": {"channel": "api"},
        }
        self.comments.setdefault(ticket["id"], []).append(stored)
        self.last_events.append(stored)
        return stored

    def _audited(self, ticket: dict) -> dict:
        """The answer of a create or update: the ticket and its audit, whose
        events include each comment the request added."""
        events, self.last_events = self.last_events, []
        return {
            "ticket": ticket,
            "audit": {
                "id": self.next_id(),
                "ticket_id": ticket["id"],
                "events": events,
            },
        }

    def _upload(self, query: dict, data: bytes) -> dict:
        if not query.get("filename"):
            raise FakeError(
                400, {"error": "InvalidParameter", "description": "filename"}
            )
        if not data:
            raise _invalid({"file": [{"description": "File: is empty"}]})
        token = f"tok{self.next_id()}"
        name = query["filename"]
        attachment_id = self.next_id()
        content_url = (
            f"{self.url.removesuffix(self.prefix)}/attachments/token/{token}/"
            f"?name={name}"
        )
        attachment = {
            "url": f"{self.url}/attachments/{attachment_id}.json",
            "id": attachment_id,
            "file_name": name,
            "content_url": content_url,
            "mapped_content_url": content_url,
            "width": None,
            "height": None,
            "thumbnails": [],
            "content_type": mimetypes.guess_type(name)[0] or "application/binary",
            "size": len(data),
            "inline": False,
            "deleted": False,
        }
        self.uploads[token] = attachment
        self.files[token] = data
        expires = datetime.fromtimestamp(time.time() + 3 * 86400, tz=UTC)
        return {
            "token": token,
            "expires_at": expires.isoformat().replace("+00:00", "Z"),
            "attachment": attachment,
            "attachments": [attachment],
        }

    def _file(self, path: str):
        token = path.removeprefix("/attachments/token/").split("/")[0]
        if token not in self.files:
            raise FakeError(
                404, {"error": "RecordNotFound", "description": "Not found"}
            )
        return 200, self.files[token]

    def _comment_page(self, ticket: dict, query: dict) -> dict:
        size = min(int(query.get("page[size]") or 100), 100, self.comments_page)
        start = int(query.get("page[after]") or 0)
        every = self.comments.get(ticket["id"], [])
        comments = every[start : start + size]
        end = start + len(comments)
        page = {
            "comments": comments,
            "meta": {
                "has_more": end < len(every),
                "after_cursor": str(end),
                "before_cursor": str(start),
            },
            "links": {"prev": None, "next": None},
        }
        if query.get("include") == "users":
            authors = {c["author_id"] for c in comments}
            page["users"] = [u for u in self.users if u["id"] in authors]
        return page

    def _export(self, query: dict) -> dict:
        if self.role != "admin":
            raise FakeError(
                403,
                {
                    "error": "Forbidden",
                    "description": "You do not have access to this page. Please "
                    "contact the account owner of this help desk for further help.",
                },
            )
        if "cursor" in query:
            start = int(query["cursor"] or 0)
        elif "start_time" in query:
            start = 0
        else:
            raise FakeError(
                400, {"error": "InvalidValue", "description": "start_time is required"}
            )
        size = min(int(query.get("per_page") or self.page_size), 1000, self.page_size)
        chunk = self.changes[start : start + size]
        tickets = [self.tickets[i] for i in dict.fromkeys(chunk)]
        if query.get("exclude_deleted") == "true":
            tickets = [t for t in tickets if t["status"] != "deleted"]
        after = start + len(chunk)
        sideload = {}
        if query.get("include") == "users":
            wanted = {t.get("requester_id") for t in tickets}
            sideload["users"] = [u for u in self.users if u["id"] in wanted]
        return sideload | {
            "tickets": tickets,
            "after_cursor": str(after),
            "before_cursor": str(start),
            "after_url": f"{self.url}/incremental/tickets/cursor.json?cursor={after}",
            "end_of_stream": after >= len(self.changes),
        }


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
