"""Zendesk Support API v2 subset: tickets (external_id lookup, create, update,
comments, closed tickets refuse updates), users, cursor incremental export."""

from tests.fakes.server import FakeError, FakePlatform

USERS = [
    {"id": 501, "email": "agent@acme.test", "name": "Agent"},
    {"id": 502, "email": "boss@acme.test", "name": "Boss"},
]


class FakeZendesk(FakePlatform):
    prefix = "/api/v2"

    def __init__(self):
        super().__init__()
        self.tickets: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.changes: list[int] = []

    def _touch(self, ticket: dict) -> dict:
        ticket["updated_at"] = self.stamp()
        self.changes.append(ticket["id"])
        return ticket

    def remote_edit(self, ticket_id: int, **fields) -> dict:
        """A change made by someone on Zendesk."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.update(fields)
            return dict(self._touch(ticket))

    def route(self, method, path, query, body):
        parts = path.strip("/").split("/")
        if path == "/users/me":
            return 200, {"user": USERS[0]}
        if path == "/users/search":
            email = query.get("query", "").removeprefix("email:")
            return 200, {"users": [u for u in USERS if u["email"] == email]}
        if parts[0] == "users" and len(parts) == 2:
            found = [u for u in USERS if str(u["id"]) == parts[1]]
            if not found:
                raise FakeError(404, {"error": "RecordNotFound"})
            return 200, {"user": found[0]}
        if path == "/tickets" and method == "GET":
            ref = query.get("external_id")
            found = [t for t in self.tickets.values() if t["external_id"] == ref]
            return 200, {"tickets": found}
        if path == "/tickets" and method == "POST":
            return 201, {"ticket": self._create(body["ticket"])}
        if parts[0] == "tickets" and len(parts) == 2:
            ticket = self.tickets.get(int(parts[1]))
            if ticket is None:
                raise FakeError(404, {"error": "RecordNotFound"})
            if method == "GET":
                return 200, {"ticket": ticket}
            if method == "PUT":
                return 200, {"ticket": self._update(ticket, body["ticket"])}
        if path == "/incremental/tickets/cursor.json":
            start = int(query.get("cursor") or 0)
            ids = list(dict.fromkeys(self.changes[start:]))
            return 200, {
                "tickets": [self.tickets[i] for i in ids],
                "after_cursor": str(len(self.changes)),
                "end_of_stream": True,
            }
        raise FakeError(404, {"error": "InvalidEndpoint"})

    def _create(self, data: dict) -> dict:
        if not data.get("subject") or not data.get("comment"):
            raise FakeError(422, {"error": "RecordInvalid"})
        ticket = {
            "id": self.next_id(),
            "subject": data["subject"],
            "description": data["comment"].get("body", ""),
            "status": data.get("status") or "new",
            "priority": data.get("priority"),
            "assignee_id": data.get("assignee_id"),
            "tags": sorted(data.get("tags") or []),
            "external_id": data.get("external_id"),
            "via_followup_source_id": data.get("via_followup_source_id"),
        }
        self.tickets[ticket["id"]] = ticket
        self.comments[ticket["id"]] = [data["comment"]]
        return self._touch(ticket)

    def _update(self, ticket: dict, data: dict) -> dict:
        if ticket["status"] == "closed":
            raise FakeError(
                422,
                {
                    "error": "RecordInvalid",
                    "details": {
                        "status": [
                            {"description": "Status: closed prevents ticket update"}
                        ]
                    },
                },
            )
        for key in ("subject", "status", "priority", "assignee_id"):
            if key in data:
                ticket[key] = data[key]
        if "tags" in data:
            ticket["tags"] = sorted(data["tags"])
        if "comment" in data:
            self.comments[ticket["id"]].append(data["comment"])
        return self._touch(ticket)
