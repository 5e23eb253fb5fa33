"""Kustomer in our terms: conversations keyed by our reference in `externalId`."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from integrations.base import (
    Adapter,
    RemoteTicket,
    WebhookData,
    WebhookRejected,
)
from integrations.kustomer import mapping
from integrations.kustomer.client import KustomerClient


class KustomerAdapter(Adapter):
    mapping = mapping
    subject_key = "name"
    assignee_key = "assignedUsers"
    external_id_key = "externalId"
    updated_key = "updatedAt"

    def __init__(self, connection):
        super().__init__(connection)
        self.client = KustomerClient(connection)

    def _remote(self, data: dict) -> RemoteTicket:
        return self._incoming(
            data.get("attributes") or {},
            remote_id=data["id"],
            url=f"{self.connection.api_base}/app/conversations/{data['id']}",
            raw=data,
        )

    def _assignee_out(self, user_id: str | None):
        return [user_id] if user_id else []

    def _assignee_in(self, value) -> str:
        return str(value[0]) if value else ""

    def test_connection(self) -> str:
        user = self.client.current_user()
        email = (user.get("attributes") or {}).get("email", "")
        return f"Connected to Kustomer as {email}."

    def find_by_external_id(self, ref: str) -> RemoteTicket | None:
        found = self.client.search_conversations(
            [{"conversation_external_id": {"equals": ref}}]
        ).get("data", [])
        return self._remote(found[0]) if found else None

    def create(self, snapshot: dict) -> RemoteTicket:
        email = snapshot.get("requester_email") or "unknown@invalid"
        customer = self.client.customer_by_email(email) or self.client.create_customer(
            email, snapshot.get("requester_name") or ""
        )
        body = self._outgoing(
            snapshot, ["subject", "status", "priority", "assignee", "tags"]
        )
        body["externalId"] = snapshot["ref"]
        body["customer"] = customer["id"]
        remote = self._remote(self.client.create_conversation(body))
        if snapshot.get("content"):
            self.client.add_note(remote.remote_id, snapshot["content"])
        return remote

    def update(self, link, snapshot: dict, fields) -> RemoteTicket:
        return self._remote(
            self.client.update_conversation(
                link.remote_id, self._outgoing(snapshot, fields)
            )
        )

    def add_comment(
        self, link, body: str, public: bool, snapshot: dict
    ) -> RemoteTicket | None:
        if public:
            self.client.add_message(link.remote_id, body)
        else:
            self.client.add_note(link.remote_id, body)
        return None

    def fetch(self, remote_id: str) -> RemoteTicket:
        return self._remote(self.client.get_conversation(remote_id))

    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        since = cursor or (datetime.now(UTC) - timedelta(days=1)).isoformat()
        data = self.client.search_conversations(
            [{"conversation_updated_at": {"gte": since}}]
        )
        tickets = [self._remote(item) for item in data.get("data", [])]
        stamps = [t.updated_at for t in tickets if t.updated_at]
        next_cursor = max(stamps).isoformat() if stamps else since
        more = bool((data.get("links") or {}).get("next"))
        return tickets, next_cursor, more

    def verify_webhook(self, headers, body: bytes) -> None:
        given = headers.get("X-Kustomer-Webhook-Signature", "")
        expected = hmac.new(
            self.connection.webhook_secret.encode(), body, hashlib.sha256
        ).hexdigest()
        if not given or not hmac.compare_digest(expected, given.lower()):
            raise WebhookRejected("Bad signature.")

    def parse_webhook(self, body: bytes) -> WebhookData:
        data = json.loads(body)
        return WebhookData(event_id=str(data["id"]), ticket=self._remote(data["data"]))

    def _lookup_user_id(self, email: str) -> str | None:
        users = self.client.users(email)
        return str(users[0]["id"]) if users else None

    def _lookup_email(self, user_id: str) -> str | None:
        return (self.client.get_user(user_id).get("attributes") or {}).get("email")
