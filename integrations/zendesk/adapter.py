"""Zendesk in our terms: tickets keyed by our reference in `external_id`.

True special cases beyond the spec: a closed ticket cannot change (a follow-up is
opened), tags are single words (our spaces travel as underscores), updates are
safe updates (a 409 when the ticket changed meanwhile: re-read, keep the tags
added there, send again), and deleted tickets (in the export and in
`ticket.soft_deleted` events) are never imported or applied."""

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
    is_marker,
    parse_time,
)
from integrations.content import Posted, RemoteComment, RemoteFile
from integrations.zendesk.client import ZendeskClient

CLOSED = "closed"
DELETED = "deleted"
AGENT_ROLES = ("agent", "admin")


class ZendeskAdapter(Adapter):
    def __init__(self, connection):
        super().__init__(connection)
        self.client = ZendeskClient(connection)

    # --- shapes ---

    def _web_url(self, remote_id) -> str:
        base = self.connection.api_base.removesuffix("/api/v2")
        return f"{base}/agent/tickets/{remote_id}"

    def _remote(self, data: dict, deleted: bool = False) -> RemoteTicket:
        remote = self._incoming(
            data, remote_id=data["id"], url=self._web_url(data["id"]), raw=data
        )
        remote.deleted = deleted or remote.remote_status == DELETED
        remote.requester_id = str(data.get("requester_id") or "")
        if remote.tags is not None:
            remote.tags = [tag.replace("_", " ") for tag in remote.tags]
        return remote

    def _tags_out(self, names: list[str]):
        return [name.replace(" ", "_") for name in names]

    # --- push ---

    def test_connection(self) -> str:
        """Who we are there, and whether that role may do what the connection does:
        push needs an agent, pull an admin (the incremental export is admin-only)."""
        me = self.client.me()
        who, role = me.get("email") or me.get("name"), me.get("role") or "unknown"
        missing = []
        if self.connection.push_enabled and role not in ("agent", "admin"):
            missing.append("push needs an agent or admin role")
        if self.connection.pull_enabled and role != "admin":
            missing.append("pull needs the admin role (the incremental export)")
        if missing:
            raise SyncError(
                f"Connected to Zendesk as {who} ({role}), but {'; '.join(missing)}.",
                permanent=True,
            )
        return f"Connected to Zendesk as {who} ({role}): push and pull allowed."

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
            if self.spec.status.remote(snapshot["status"]) == CLOSED:
                return self.fetch(link.remote_id)
            return self._follow_up(link, snapshot)
        try:
            return self._safe_update(link, body)
        except SyncError as exc:
            if exc.status_code == 422 and "closed" in exc.message.lower():
                return self._follow_up(link, snapshot)
            raise

    def _safe_update(self, link, body: dict) -> RemoteTicket:
        """PUT with safe_update against the updated_at we last saw. On a conflict
        the ticket is read again and the tags added on Zendesk meanwhile are kept
        (one retry; a second conflict is a transient failure, retried later)."""
        stamp = link.remote_updated_at
        if stamp is None:
            return self._remote(self.client.update_ticket(link.remote_id, body))
        try:
            return self._remote(
                self.client.update_ticket(link.remote_id, _safe(body, stamp))
            )
        except SyncError as exc:
            if exc.status_code != 409:
                raise
        current = self.client.get_ticket(link.remote_id)
        if "tags" in body:
            plain = [t for t in current.get("tags") or [] if not is_marker(t)]
            body = {**body, "tags": sorted(set(body["tags"]) | set(plain))}
        stamp = parse_time(current.get("updated_at"))
        return self._remote(
            self.client.update_ticket(link.remote_id, _safe(body, stamp))
        )

    def add_comment(self, link, body: str, public: bool, snapshot: dict, files=()):
        """The comment, with its files uploaded first (each gives a token the
        comment's `uploads` lists); its id comes from the update's audit."""
        comment = {"body": body, "public": public}
        if files:
            comment["uploads"] = [self.client.upload(file) for file in files]
        target = link.remote_id
        if link.remote_status == CLOSED:
            target = self._follow_up(link, snapshot).remote_id
        try:
            answer = self.client.add_comment(target, comment)
        except SyncError as exc:
            if exc.status_code != 422 or "closed" not in exc.message.lower():
                raise
            target = self._follow_up(link, snapshot).remote_id
            answer = self.client.add_comment(target, comment)
        events = (answer.get("audit") or {}).get("events") or []
        found = [str(e["id"]) for e in events if e.get("type") == "Comment"]
        return Posted(self._remote(answer["ticket"]), found[0] if found else "")

    def _fetch_comments(self, remote_id: str) -> list[RemoteComment]:
        """Every comment, authors sideloaded (include=users)."""
        comments, users = self.client.comments(remote_id)
        return [_comment(c, users.get(c.get("author_id")) or {}) for c in comments]

    def fetch(self, remote_id: str) -> RemoteTicket:
        return self._remote(self.client.get_ticket(remote_id))

    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        if cursor:
            data = self.client.incremental(cursor=cursor)
        else:
            data = self.client.incremental(
                start_time=int(self.pull_start().timestamp())
            )
        # Requesters come sideloaded (include=users): no request per ticket.
        users = {user["id"]: user for user in data.get("users", [])}
        tickets = []
        for ticket in data.get("tickets", []):
            remote = self._remote(ticket)
            user = users.get(ticket.get("requester_id"))
            if user:
                remote.requester = (user.get("email") or "", user.get("name") or "")
            tickets.append(remote)
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
        deleted = str(data.get("type", "")).endswith("deleted")
        ticket = self._remote(data["detail"], deleted=deleted)
        return WebhookData(event_id=str(data["id"]), ticket=ticket)

    # --- users ---

    def _lookup_user_id(self, email: str) -> str | None:
        """The agent with exactly this address: the search is full-text, so near
        misses and end users are among its hits."""
        for user in self.client.search_users(email):
            exact = (user.get("email") or "").lower() == email.lower()
            if exact and user.get("role") in AGENT_ROLES:
                return str(user["id"])
        return None

    def _lookup_email(self, user_id: str) -> str | None:
        return self.client.get_user(user_id).get("email")

    def _lookup_requester(self, requester_id: str) -> tuple[str, str] | None:
        user = self.client.get_user(requester_id)
        return (user.get("email") or "", user.get("name") or "")


def _safe(body: dict, stamp) -> dict:
    return {
        **body,
        "safe_update": True,
        "updated_stamp": stamp.isoformat().replace("+00:00", "Z"),
    }


def _comment(data: dict, author: dict) -> RemoteComment:
    return RemoteComment(
        remote_id=str(data["id"]),
        body=data.get("plain_body") or data.get("body") or "",
        public=bool(data.get("public")),
        author_email=author.get("email") or "",
        author_name=author.get("name") or "",
        created_at=parse_time(data.get("created_at")),
        files=[
            RemoteFile(
                a.get("file_name") or "attachment", a["content_url"], a.get("size")
            )
            for a in data.get("attachments") or []
            if a.get("content_url") and not a.get("deleted")
        ],
    )
