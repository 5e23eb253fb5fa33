"""Gorgias in our terms: tickets keyed by our reference in `external_id`.

Gorgias signs nothing, so its HTTP integration sends our per-connection secret in a
header, compared in constant time."""

import hmac
import json
from datetime import UTC, datetime, timedelta

from integrations.base import (
    Adapter,
    RemoteTicket,
    WebhookData,
    WebhookRejected,
    parse_time,
)
from integrations.gorgias import mapping
from integrations.gorgias.client import GorgiasClient

SECRET_HEADER = "X-Helpdesk-Webhook-Secret"  # noqa: S105 (a header name)


class GorgiasAdapter(Adapter):
    mapping = mapping
    assignee_key = "assignee_user"
    updated_key = "updated_datetime"

    def __init__(self, connection):
        super().__init__(connection)
        self.client = GorgiasClient(connection)

    def _web_url(self, remote_id) -> str:
        base = self.connection.api_base.removesuffix("/api")
        return f"{base}/app/ticket/{remote_id}"

    def _remote(self, data: dict) -> RemoteTicket:
        return self._incoming(
            data, remote_id=data["id"], url=self._web_url(data["id"]), raw=data
        )

    def _status_in(self, remote_status: str, marker: str | None, fields: dict) -> str:
        # A snoozed Gorgias ticket is closed with a snooze date still ahead.
        snooze = parse_time(fields.get("snooze_datetime"))
        snoozed = bool(snooze and snooze > datetime.now(UTC))
        return mapping.status_from_remote(remote_status, marker, snoozed)

    def _assignee_out(self, user_id: str | None):
        return {"id": int(user_id)} if user_id else None

    def _assignee_in(self, value) -> str:
        user_id = (value or {}).get("id")
        return str(user_id) if user_id else ""

    def _tags_out(self, names: list[str]):
        return [{"name": name} for name in names]

    def _tag_names(self, fields: dict) -> list[str]:
        return [tag["name"] for tag in fields.get("tags") or []]

    def test_connection(self) -> str:
        account = self.client.account()
        return f"Connected to Gorgias account {account.get('domain', '')}."

    def find_by_external_id(self, ref: str) -> RemoteTicket | None:
        found = self.client.tickets_by_external_id(ref)
        return self._remote(found[0]) if found else None

    def create(self, snapshot: dict) -> RemoteTicket:
        body = self._outgoing(
            snapshot, ["subject", "status", "priority", "assignee", "tags"]
        )
        email = snapshot.get("requester_email") or "unknown@invalid"
        body["external_id"] = snapshot["ref"]
        body["customer"] = {"email": email, "name": snapshot.get("requester_name")}
        now = datetime.now(UTC).isoformat()
        body["messages"] = [
            {
                "channel": "api",
                "via": "api",
                "from_agent": False,
                "sender": {"email": email},
                "body_text": snapshot.get("content") or snapshot["subject"],
                "sent_datetime": now,
            }
        ]
        return self._remote(self.client.create_ticket(body))

    def update(self, link, snapshot: dict, fields) -> RemoteTicket:
        return self._remote(
            self.client.update_ticket(link.remote_id, self._outgoing(snapshot, fields))
        )

    def add_comment(
        self, link, body: str, public: bool, snapshot: dict
    ) -> RemoteTicket | None:
        self.client.add_message(
            link.remote_id,
            {
                "channel": "email" if public else "internal-note",
                "via": "api",
                "from_agent": True,
                "public": public,
                "body_text": body,
                "sent_datetime": datetime.now(UTC).isoformat(),
            },
        )
        return None

    def fetch(self, remote_id: str) -> RemoteTicket:
        return self._remote(self.client.get_ticket(remote_id))

    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        after = cursor or (datetime.now(UTC) - timedelta(days=1)).isoformat()
        data = self.client.events(after=after)
        events = data.get("data", [])
        ids: list[str] = []
        for event in events:
            if event.get("object_type") == "Ticket":
                remote_id = str(event["object_id"])
                if remote_id not in ids:
                    ids.append(remote_id)
        tickets = [self.fetch(remote_id) for remote_id in ids]
        next_cursor = events[-1]["created_datetime"] if events else after
        more = bool((data.get("meta") or {}).get("next_cursor"))
        return tickets, next_cursor, more

    def verify_webhook(self, headers, body: bytes) -> None:
        given = headers.get(SECRET_HEADER, "")
        if not given or not hmac.compare_digest(
            given.encode(), self.connection.webhook_secret.encode()
        ):
            raise WebhookRejected("Missing or wrong secret header.")

    def parse_webhook(self, body: bytes) -> WebhookData:
        data = json.loads(body)
        ticket = self._remote(data["ticket"])
        event_id = data.get("event_id") or (
            f"{ticket.remote_id}@{data['ticket'].get('updated_datetime')}"
        )
        return WebhookData(event_id=str(event_id), ticket=ticket)

    def _lookup_user_id(self, email: str) -> str | None:
        for user in self.client.users(email):
            if (user.get("email") or "").lower() == email.lower():
                return str(user["id"])
        return None

    def _lookup_email(self, user_id: str) -> str | None:
        return self.client.get_user(user_id).get("email")
