"""Kustomer API: the endpoints of the spec, called by name (JSON:API envelopes)."""

from integrations.base import HttpClient, SyncError
from integrations.models import Connection

SEARCH_PAGE = 500  # the most the search gives in one page


class KustomerClient(HttpClient):
    def __init__(self, connection: Connection):
        token = connection.credentials.get("api_key", "")
        super().__init__(connection, {"Authorization": f"Bearer {token}"})

    def current_user(self) -> dict:
        return self.call("me")["data"]

    def current_token(self) -> dict:
        """The API key's own record, with its roles (any valid key may ask)."""
        return self.call("token")["data"]

    def search_conversations(self, query: list[dict], page: int = 1) -> dict:
        return self.call(
            "search",
            params={"page": page, "pageSize": SEARCH_PAGE},
            json={
                "and": query,
                "sort": [{"conversation_updated_at": "asc"}],
                "queryContext": "conversation",
            },
        )

    def customer_by_email(self, email: str) -> dict | None:
        """The customer with this address: /v1/customers/email={email}, 404 when
        there is none (the list endpoint takes no e-mail filter)."""
        try:
            return self.call("customer_by_email", email=email)["data"]
        except SyncError as exc:
            if exc.status_code == 404:
                return None
            raise

    def get_customer(self, customer_id: str) -> dict:
        return self.call("customer", id=customer_id)["data"]

    def create_customer(self, email: str, name: str) -> dict:
        body = {"name": name or email, "emails": [{"email": email}]}
        return self.call("create_customer", json=body)["data"]

    def create_conversation(self, attributes: dict) -> dict:
        return self.call("create", json=attributes)["data"]

    def update_conversation(self, conversation_id: str, attributes: dict) -> dict:
        return self.call("update", id=conversation_id, json=attributes)["data"]

    def get_conversation(self, conversation_id: str) -> dict:
        return self.call("get", id=conversation_id)["data"]

    def add_note(self, conversation_id: str, body: str, attachments=()) -> dict:
        note = {"conversation": conversation_id, "body": body}
        if attachments:
            note["attachments"] = list(attachments)
        return self.call("note", json=note)

    def add_message(self, conversation_id: str, body: str, attachments=()) -> dict:
        message = {"body": body, "direction": "out", "channel": "email"}
        if attachments:
            message["attachments"] = list(attachments)
        return self.call("message", id=conversation_id, json=message)

    def create_attachment(self, file) -> dict:
        """The attachment record and its presigned upload form (meta.upload)."""
        return self.call(
            "create_attachment",
            json={
                "name": file.name,
                "contentType": file.content_type,
                "contentLength": len(file.data),
            },
        )

    def messages(self, conversation_id: str) -> list[dict]:
        return self.call("messages", id=conversation_id).get("data", [])

    def notes(self, conversation_id: str) -> list[dict]:
        return self.call("notes", id=conversation_id).get("data", [])

    def tags(self) -> list[dict]:
        return self.call("tags", params={"pageSize": 1000}).get("data", [])

    def create_tag(self, name: str) -> dict:
        return self.call("create_tag", json={"name": name})["data"]

    def users(self, email: str) -> list[dict]:
        return self.call("users", params={"email": email}).get("data", [])

    def get_user(self, user_id: str) -> dict:
        return self.call("user", id=user_id)["data"]
