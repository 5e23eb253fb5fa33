"""Kustomer API subset: conversations (JSON:API envelopes), customers, notes,
messages, users, and conversation search by external id or updated time."""

from tests.fakes.server import FakeError, FakePlatform

USERS = [
    {"type": "user", "id": "u-701", "attributes": {"email": "agent@acme.test"}},
    {"type": "user", "id": "u-702", "attributes": {"email": "boss@acme.test"}},
]


class FakeKustomer(FakePlatform):
    prefix = ""

    def __init__(self):
        super().__init__()
        self.conversations: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.notes: dict[str, list[str]] = {}
        self.messages: dict[str, list[str]] = {}

    def _touch(self, conversation: dict) -> dict:
        conversation["attributes"]["updatedAt"] = self.stamp()
        return conversation

    def remote_edit(self, conversation_id: str, **attributes) -> dict:
        with self.lock:
            conversation = self.conversations[conversation_id]
            conversation["attributes"].update(attributes)
            return self._touch(conversation)

    def route(self, method, path, query, body):
        parts = path.strip("/").split("/")
        if path == "/v1/users/current":
            return 200, {"data": USERS[0]}
        if path == "/v1/users":
            email = query.get("email")
            found = [u for u in USERS if u["attributes"]["email"] == email]
            return 200, {"data": found}
        if parts[:2] == ["v1", "users"] and len(parts) == 3:
            found = [u for u in USERS if u["id"] == parts[2]]
            if not found:
                raise FakeError(404, {"errors": [{"title": "not found"}]})
            return 200, {"data": found[0]}
        if path == "/v1/customers" and method == "GET":
            email = query.get("email")
            found = [
                c
                for c in self.customers.values()
                if email in [e["email"] for e in c["attributes"]["emails"]]
            ]
            return 200, {"data": found}
        if path == "/v1/customers" and method == "POST":
            customer = {
                "type": "customer",
                "id": f"c-{self.next_id()}",
                "attributes": {"name": body["name"], "emails": body["emails"]},
            }
            self.customers[customer["id"]] = customer
            return 201, {"data": customer}
        if path == "/v1/customers/search":
            return 200, {"data": self._search(body["and"]), "links": {"next": None}}
        if path == "/v1/conversations" and method == "POST":
            return 201, {"data": self._create(body)}
        if path == "/v1/notes" and method == "POST":
            conversation = self._get(body["conversation"])
            self.notes[conversation["id"]].append(body["body"])
            return 201, {"data": {"type": "note", "id": f"n-{self.next_id()}"}}
        if parts[:2] == ["v1", "conversations"] and len(parts) >= 3:
            conversation = self._get(parts[2])
            if len(parts) == 4 and parts[3] == "messages":
                self.messages[conversation["id"]].append(body["body"])
                self._touch(conversation)
                return 201, {"data": {"type": "message", "id": f"m-{self.next_id()}"}}
            if method == "GET":
                return 200, {"data": conversation}
            if method in ("PATCH", "PUT"):
                conversation["attributes"].update(body)
                return 200, {"data": self._touch(conversation)}
        raise FakeError(404, {"errors": [{"title": "not found"}]})

    def _get(self, conversation_id: str) -> dict:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            raise FakeError(404, {"errors": [{"title": "not found"}]})
        return conversation

    def _search(self, clauses: list[dict]) -> list[dict]:
        found = list(self.conversations.values())
        for clause in clauses:
            if "conversation_external_id" in clause:
                ref = clause["conversation_external_id"]["equals"]
                found = [c for c in found if c["attributes"]["externalId"] == ref]
            if "conversation_updated_at" in clause:
                since = clause["conversation_updated_at"]["gte"]
                found = [c for c in found if c["attributes"]["updatedAt"] >= since]
        return sorted(found, key=lambda c: c["attributes"]["updatedAt"])

    def _create(self, body: dict) -> dict:
        if not body.get("customer"):
            raise FakeError(400, {"errors": [{"title": "customer is required"}]})
        if not isinstance(body.get("priority", 3), int):
            raise FakeError(422, {"errors": [{"title": "priority must be 1-5"}]})
        conversation = {
            "type": "conversation",
            "id": f"k-{self.next_id()}",
            "attributes": {
                "name": body.get("name"),
                "status": body.get("status", "open"),
                "priority": body.get("priority", 3),
                "tags": body.get("tags", []),
                "assignedUsers": body.get("assignedUsers", []),
                "externalId": body.get("externalId"),
            },
            "relationships": {"customer": {"data": {"id": body["customer"]}}},
        }
        self.conversations[conversation["id"]] = conversation
        self.notes[conversation["id"]] = []
        self.messages[conversation["id"]] = []
        return self._touch(conversation)
