"""Gorgias REST API subset: tickets (create needs a message and a customer),
messages, users, account, and the events list used for incremental pull."""

from tests.fakes.server import FakeError, FakePlatform

USERS = [
    {"id": 601, "email": "agent@acme.test"},
    {"id": 602, "email": "boss@acme.test"},
]


class FakeGorgias(FakePlatform):
    prefix = "/api"

    def __init__(self):
        super().__init__()
        self.tickets: dict[int, dict] = {}
        self.messages: dict[int, list[dict]] = {}
        self.events: list[dict] = []
        # Every write's outcome per ticket: (tag names, message count).
        self.history: dict[int, list[tuple]] = {}

    def _touch(self, ticket: dict) -> dict:
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
                "type": "ticket-updated",
                "created_datetime": ticket["updated_datetime"],
            }
        )
        return ticket

    def remote_edit(self, ticket_id: int, **fields) -> dict:
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.update(fields)
            return dict(self._touch(ticket))

    def route(self, method, path, query, body):
        parts = path.strip("/").split("/")
        if path == "/account":
            return 200, {"domain": "acme"}
        if path == "/users":
            email = query.get("email")
            return 200, {"data": [u for u in USERS if not email or u["email"] == email]}
        if parts[0] == "users" and len(parts) == 2:
            found = [u for u in USERS if str(u["id"]) == parts[1]]
            if not found:
                raise FakeError(404, {"error": "not found"})
            return 200, found[0]
        if path == "/tickets" and method == "GET":
            ref = query.get("external_id")
            found = [t for t in self.tickets.values() if t["external_id"] == ref]
            return 200, {"data": found, "meta": {"next_cursor": None}}
        if path == "/tickets" and method == "POST":
            return 201, self._create(body)
        if parts[0] == "tickets" and len(parts) >= 2:
            ticket = self.tickets.get(int(parts[1]))
            if ticket is None:
                raise FakeError(404, {"error": "not found"})
            if len(parts) == 3 and parts[2] == "messages" and method == "POST":
                self.messages[ticket["id"]].append(body)
                self._touch(ticket)
                return 201, {"id": self.next_id(), **body}
            if method == "GET":
                return 200, ticket
            if method == "PUT":
                for key in ("subject", "status", "priority", "assignee_user", "tags"):
                    if key in body:
                        ticket[key] = body[key]
                return 200, self._touch(ticket)
        if path == "/events":
            after = query.get("created_datetime[gt]", "")
            found = [e for e in self.events if e["created_datetime"] > after]
            return 200, {"data": found[:100], "meta": {"next_cursor": None}}
        raise FakeError(404, {"error": "not found"})

    def _create(self, data: dict) -> dict:
        if not data.get("messages") or not data.get("customer"):
            raise FakeError(400, {"error": "messages and customer are required"})
        ticket = {
            "id": self.next_id(),
            "subject": data.get("subject"),
            "status": data.get("status") or "open",
            "priority": data.get("priority"),
            "assignee_user": data.get("assignee_user"),
            "tags": data.get("tags") or [],
            "external_id": data.get("external_id"),
            "customer": data["customer"],
            "snooze_datetime": None,
        }
        self.tickets[ticket["id"]] = ticket
        self.messages[ticket["id"]] = list(data["messages"])
        return self._touch(ticket)
