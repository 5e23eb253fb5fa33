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
    marker_tags,
    parse_time,
    split_markers,
)
from integrations.kustomer import mapping
from integrations.kustomer.client import KustomerClient


class KustomerAdapter(Adapter):
    platform = "kustomer"
    label = "Kustomer"

    def __init__(self, connection):
        super().__init__(connection)
        self.client = KustomerClient(connection)

    def _remote(self, data: dict) -> RemoteTicket:
        attributes = data.get("attributes") or {}
        status_marker, priority_marker, tags = split_markers(
            attributes.get("tags") or []
        )
        remote_status = attributes.get("status") or ""
        assigned = attributes.get("assignedUsers") or []
        return RemoteTicket(
            remote_id=str(data["id"]),
            url=f"{self.connection.api_base}/app/conversations/{data['id']}",
            subject=attributes.get("name"),
            status=mapping.status_from_remote(remote_status, status_marker)
            if remote_status
            else None,
            priority=mapping.priority_from_remote(
                attributes.get("priority"), priority_marker
            )
            if "priority" in attributes
            else None,
            assignee_id=(str(assigned[0]) if assigned else "")
            if "assignedUsers" in attributes
            else None,
            tags=tags if "tags" in attributes else None,
            external_id=attributes.get("externalId") or "",
            updated_at=parse_time(attributes.get("updatedAt")),
            remote_status=remote_status,
            raw=data,
        )

    def _attributes(self, snapshot: dict, fields) -> dict:
        body: dict = {}
        if "subject" in fields:
            body["name"] = snapshot["subject"]
        if "status" in fields:
            body["status"] = mapping.status_to_remote(snapshot["status"])
        if "priority" in fields:
            body["priority"] = mapping.priority_to_remote(snapshot["priority"])
        if "assignee" in fields:
            email = snapshot.get("assignee_email")
            user_id = self.user_id_for_email(email) if email else None
            body["assignedUsers"] = [user_id] if user_id else []
        if {"tags", "status", "priority"} & set(fields):
            body["tags"] = sorted(
                snapshot["tags"] + marker_tags(snapshot["status"], snapshot["priority"])
            )
        return body

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
        body = self._attributes(
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
                link.remote_id, self._attributes(snapshot, fields)
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
