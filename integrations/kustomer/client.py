"""Kustomer API: the endpoints the adapter uses (JSON:API-like envelopes)."""

from integrations.base import HttpClient
from integrations.models import Connection


class KustomerClient(HttpClient):
    def __init__(self, connection: Connection):
        token = connection.credentials.get("api_key", "")
        super().__init__(connection, {"Authorization": f"Bearer {token}"})

    def current_user(self) -> dict:
        return self.request("GET", "/v1/users/current")["data"]

    def search_conversations(self, query: list[dict], page: int = 1) -> dict:
        return self.request(
            "POST",
            "/v1/customers/search",
            params={"page": page, "pageSize": 100},
            json={
                "and": query,
                "sort": [{"conversation_updated_at": "asc"}],
                "queryContext": "conversation",
            },
        )

    def customer_by_email(self, email: str) -> dict | None:
        found = self.request("GET", "/v1/customers", params={"email": email})
        return (found.get("data") or [None])[0]

    def create_customer(self, email: str, name: str) -> dict:
        body = {"name": name or email, "emails": [{"email": email}]}
        return self.request("POST", "/v1/customers", json=body)["data"]

    def create_conversation(self, attributes: dict) -> dict:
        return self.request("POST", "/v1/conversations", json=attributes)["data"]

    def update_conversation(self, conversation_id: str, attributes: dict) -> dict:
        return self.request(
            "PATCH", f"/v1/conversations/{conversation_id}", json=attributes
        )["data"]

    def get_conversation(self, conversation_id: str) -> dict:
        return self.request("GET", f"/v1/conversations/{conversation_id}")["data"]

    def add_note(self, conversation_id: str, body: str) -> dict:
        return self.request(
            "POST", "/v1/notes", json={"conversation": conversation_id, "body": body}
        )

    def add_message(self, conversation_id: str, body: str) -> dict:
        return self.request(
            "POST",
            f"/v1/conversations/{conversation_id}/messages",
            json={"body": body, "direction": "out", "channel": "email"},
        )

    def users(self, email: str) -> list[dict]:
        return self.request("GET", "/v1/users", params={"email": email}).get("data", [])

    def get_user(self, user_id: str) -> dict:
        return self.request("GET", f"/v1/users/{user_id}")["data"]
