"""Zendesk in our terms: tickets keyed by our reference in `external_id`."""

import base64
import hashlib
import hmac
import json
import time

from django.conf import settings

from integrations.base import (
    Adapter,
    RemoteTicket,
    SyncError,
    WebhookData,
    WebhookRejected,
    parse_time,
)
from integrations.zendesk import mapping
from integrations.zendesk.client import ZendeskClient

CLOSED = "closed"


class ZendeskAdapter(Adapter):
    mapping = mapping

    def __init__(self, connection):
        super().__init__(connection)
        self.client = ZendeskClient(connection)

    # --- shapes ---

    def _web_url(self, remote_id) -> str:
        base = self.connection.api_base.removesuffix("/api/v2")
        return f"{base}/agent/tickets/{remote_id}"

    def _remote(self, data: dict) -> RemoteTicket:
        return self._incoming(
            data, remote_id=data["id"], url=self._web_url(data["id"]), raw=data
        )

    # --- push ---

    def test_connection(self) -> str:
        me = self.client.me()
        return f"Connected to Zendesk as {me.get('email') or me.get('name')}."

    def find_by_external_id(self, ref: str) -> RemoteTicket | None:
        found = [self._remote(t) for t in self.client.tickets_by_external_id(ref)]
        # A closed ticket may have follow-ups with the same reference: the newest wins.
        found.sort(key=lambda r: (r.remote_status != CLOSED, int(r.remote_id)))
        return found[-1] if found else None

    def create(self, snapshot: dict, follow_up_of: str = "") -> RemoteTicket:
        body = self._outgoing(
            snapshot, ["subject", "status", "priority", "assignee", "tags"]
        )
        body["external_id"] = snapshot["ref"]
        body["comment"] = {
            "body": snapshot.get("content") or snapshot["subject"],
            "public": False,
        }
        if snapshot.get("requester_email"):
            body["requester"] = {
                "email": snapshot["requester_email"],
                "name": snapshot.get("requester_name") or snapshot["requester_email"],
            }
        if follow_up_of:
            body["via_followup_source_id"] = int(follow_up_of)
        return self._remote(self.client.create_ticket(body))

    def _follow_up(self, link, snapshot: dict) -> RemoteTicket:
        """A closed Zendesk ticket cannot change: open a follow-up (once)."""
        existing = self.find_by_external_id(snapshot["ref"])
        if existing and existing.remote_status != CLOSED:
            return existing
        return self.create(snapshot, follow_up_of=link.remote_id)

    def update(self, link, snapshot: dict, fields) -> RemoteTicket:
        body = self._outgoing(snapshot, fields)
        if link.remote_status == CLOSED:
            if mapping.status_to_remote(snapshot["status"]) == CLOSED:
                return self.fetch(link.remote_id)
            return self._follow_up(link, snapshot)
        try:
            return self._remote(self.client.update_ticket(link.remote_id, body))
        except SyncError as exc:
            if exc.status_code == 422 and "closed" in exc.message.lower():
                return self._follow_up(link, snapshot)
            raise

    def add_comment(
        self, link, body: str, public: bool, snapshot: dict
    ) -> RemoteTicket | None:
        comment = {"comment": {"body": body, "public": public}}
        target = link.remote_id
        if link.remote_status == CLOSED:
            target = self._follow_up(link, snapshot).remote_id
        try:
            return self._remote(self.client.update_ticket(target, comment))
        except SyncError as exc:
            if exc.status_code == 422 and "closed" in exc.message.lower():
                target = self._follow_up(link, snapshot).remote_id
                return self._remote(self.client.update_ticket(target, comment))
            raise

    def fetch(self, remote_id: str) -> RemoteTicket:
        return self._remote(self.client.get_ticket(remote_id))

    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        if cursor:
            data = self.client.incremental(cursor=cursor)
        else:
            data = self.client.incremental(start_time=int(time.time()) - 86400)
        tickets = [self._remote(t) for t in data.get("tickets", [])]
        next_cursor = data.get("after_cursor") or cursor
        return tickets, next_cursor, not data.get("end_of_stream", True)

    # --- webhooks ---

    def verify_webhook(self, headers, body: bytes) -> None:
        signature = headers.get("X-Zendesk-Webhook-Signature", "")
        stamp = headers.get("X-Zendesk-Webhook-Signature-Timestamp", "")
        if not signature or not stamp:
            raise WebhookRejected("Missing signature headers.")
        expected = base64.b64encode(
            hmac.new(
                self.connection.webhook_secret.encode(),
                stamp.encode("utf-8", "surrogatepass") + body,
                hashlib.sha256,
            ).digest()
        ).decode()
        if not hmac.compare_digest(
            expected.encode(), signature.encode("utf-8", "replace")
        ):
            raise WebhookRejected("Bad signature.")
        # Only a signed timestamp is parsed.
        when = parse_time(stamp)
        if when is None:
            raise WebhookRejected("Unreadable signature timestamp.")
        if abs(time.time() - when.timestamp()) > settings.SYNC_WEBHOOK_TOLERANCE:
            raise WebhookRejected("The signature timestamp is outside the window.")

    def parse_webhook(self, body: bytes) -> WebhookData:
        data = json.loads(body)
        detail = data["detail"]
        return WebhookData(event_id=str(data["id"]), ticket=self._remote(detail))

    # --- users ---

    def _lookup_user_id(self, email: str) -> str | None:
        users = self.client.search_users(email)
        return str(users[0]["id"]) if users else None

    def _lookup_email(self, user_id: str) -> str | None:
        return self.client.get_user(user_id).get("email")
