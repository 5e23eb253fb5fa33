"""Gorgias in our terms: tickets keyed by our reference in `external_id`.

Gorgias signs nothing, so its HTTP integration sends our per-connection secret in a
header, compared in constant time; the body is the template of docs/sync.md, whose
ticket carries `assignee_user_id` (the HTTP integration's ticket context) where the
REST API has `assignee_user: {id}`. Special cases beyond the spec: snoozed is
closed with a snooze date ahead, trashed tickets are not ours to match, and the
pull fetches each changed ticket of the events page in turn, keeping what it got
when the budget runs out; its cursor names the events read on the last timestamp
(see pull_changes)."""

import hmac
import json
from datetime import UTC, datetime

from integrations.base import (
    Adapter,
    RemoteTicket,
    SyncError,
    WebhookData,
    WebhookRejected,
    parse_time,
    requester_of,
)
from integrations.content import Posted, RemoteComment, RemoteFile
from integrations.gorgias.client import GorgiasClient

SECRET_HEADER = "X-Helpdesk-Webhook-Secret"  # noqa: S105 (a header name)
# Roles (the user's role.name, developers.gorgias.com/reference/the-user-object)
# that may write tickets and messages: observer agents only read. The names are
# those Gorgias's OpenAPI lists for a user (tests/fakes/vendor/gorgias/README.md);
# `bot` and `internal-agent` are not API-key users we know to write, so refused
# with their name.
PUSH_ROLES = ("admin", "agent", "basic-agent", "lite-agent")


class GorgiasAdapter(Adapter):
    def __init__(self, connection):
        super().__init__(connection)
        self.client = GorgiasClient(connection)

    def _web_url(self, remote_id) -> str:
        base = self.connection.api_base.removesuffix("/api")
        return f"{base}/app/ticket/{remote_id}"

    def _remote(self, data: dict) -> RemoteTicket:
        remote = self._incoming(
            data, remote_id=data["id"], url=self._web_url(data["id"]), raw=data
        )
        customer = data.get("customer") or {}
        if customer.get("email"):
            remote.requester = (customer["email"], customer.get("name") or "")
        if "messages" in data:  # the REST ticket has them; a webhook's may not
            remote.comments = [_comment(m) for m in data["messages"] or []]
        return remote

    def _status_in(self, remote_status, marker: str | None, fields: dict):
        status = self.spec.status.ours(remote_status, marker)
        # A snoozed Gorgias ticket is closed with a snooze date still ahead.
        snooze = parse_time(fields.get("snooze_datetime"))
        if status == "resolved" and snooze and snooze > datetime.now(UTC):
            return "waiting_on_contact"
        return status

    def _has_assignee(self, fields: dict) -> bool:
        return "assignee_user" in fields or "assignee_user_id" in fields

    def _assignee_out(self, user_id: str | None):
        return {"id": int(user_id)} if user_id else None

    def _assignee_in(self, fields: dict) -> str:
        if "assignee_user_id" in fields:
            user_id = fields["assignee_user_id"]
        else:
            user_id = (fields["assignee_user"] or {}).get("id")
        return str(user_id) if user_id else ""

    def _tags_out(self, names: list[str]):
        return [{"name": name} for name in names]

    def _tag_names(self, fields: dict) -> list[str]:
        return [tag["name"] for tag in fields.get("tags") or []]

    def test_connection(self) -> str:
        """Who we are there, and whether the role of the user the key belongs to
        (a key can do what its user can) lets the push write; reading, which the
        pull needs, every role may do."""
        account = self.client.account().get("domain", "")
        me = self.client.get_user("0")  # 0: the user the credentials act as
        who = me.get("email") or "unknown user"
        role = (me.get("role") or {}).get("name") or "unknown"
        if self.connection.push_enabled and role not in PUSH_ROLES:
            raise SyncError(
                f"Connected to Gorgias account {account} as {who} ({role}), but push "
                "needs a user who may update tickets and post messages (admin or "
                "agent): make the API key as such a user.",
                permanent=True,
            )
        return f"Connected to Gorgias account {account} as {who} ({role})."

    def find_by_external_id(self, ref: str) -> RemoteTicket | None:
        found = [
            ticket
            for ticket in self.client.tickets_by_external_id(ref)
            if not ticket.get("trashed_datetime")
        ]
        return self._remote(found[0]) if found else None

    def create(self, snapshot: dict) -> RemoteTicket:
        body = self._outgoing(
            snapshot, ["subject", "status", "priority", "assignee", "tags"]
        )
        email, name = requester_of(snapshot)
        body["external_id"] = snapshot["ref"]
        body["customer"] = {"email": email, "name": name}
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

    def add_comment(self, link, body: str, public: bool, snapshot: dict, files=()):
        """A message; its files are uploaded first (POST /upload) and listed in
        its `attachments` as the upload answered them."""
        message = {
            "channel": "email" if public else "internal-note",
            "via": "api",
            "from_agent": True,
            "public": public,
            "body_text": body,
            "sent_datetime": datetime.now(UTC).isoformat(),
        }
        if files:
            message["attachments"] = self.client.upload(files)
        answer = self.client.add_message(link.remote_id, message)
        return Posted(None, str(answer.get("id") or ""))

    def _fetch_comments(self, remote_id: str) -> list[RemoteComment]:
        return [_comment(m) for m in self.client.get_ticket(remote_id)["messages"]]

    def fetch(self, remote_id: str) -> RemoteTicket:
        return self._remote(self.client.get_ticket(remote_id))

    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        """The tickets of one events page, fetched in turn.

        The cursor (JSON) holds the boundary timestamp `gte`, the ids of the events
        already read on it (`seen`), and while a run pages on, Gorgias's own
        `next` cursor with the `query` it continues (an opaque, short-lived
        value: when it is refused, the page is asked again from `gte`). Asking
        `created_datetime[gte]` and skipping `seen` loses no event of a burst
        sharing one timestamp across a page boundary, where `[gt]` skipped the
        rest of the burst. When the budget stops the fetching, what was fetched
        is returned with the cursor after the last event fully read."""
        state = _cursor_state(cursor) or {"gte": self.pull_start().isoformat()}
        data = self._events_page(state)
        seen = set(state.get("seen", ()))
        boundary = state["gte"]
        tickets: list[RemoteTicket] = []
        fetched: set[str] = set()
        for event in data.get("data", []):
            stamp, event_id = event["created_datetime"], event["id"]
            if stamp == boundary and event_id in seen:
                continue
            try:
                self._fetch_changed(event, fetched, tickets)
            except SyncError as exc:
                if exc.permanent or not tickets:
                    raise
                return tickets, _cursor(boundary, seen), True
            if stamp != boundary:
                boundary, seen = stamp, set()
            seen.add(event_id)
        following = (data.get("meta") or {}).get("next_cursor")
        query = state.get("query", state["gte"]) if following else ""
        return tickets, _cursor(boundary, seen, following, query), bool(following)

    def _events_page(self, state: dict) -> dict:
        if state.get("next"):
            try:
                return self.client.events(since=state["query"], cursor=state["next"])
            except SyncError as exc:
                if exc.status_code not in (400, 404, 422):
                    raise
        return self.client.events(since=state["gte"])

    def _fetch_changed(self, event: dict, fetched: set, tickets: list) -> None:
        remote_id = str(event.get("object_id"))
        if event.get("object_type") != "Ticket" or remote_id in fetched:
            return
        try:
            tickets.append(self.fetch(remote_id))
        except SyncError as exc:
            if exc.status_code != 404:  # deleted since: nothing to apply
                raise
        fetched.add(remote_id)

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
        for user in self.client.users(email):  # a search: exact address only
            if (user.get("email") or "").lower() == email.lower():
                return str(user["id"])
        return None

    def _lookup_email(self, user_id: str) -> str | None:
        return self.client.get_user(user_id).get("email")


def _comment(message: dict) -> RemoteComment:
    sender = message.get("sender") or {}
    return RemoteComment(
        remote_id=str(message["id"]),
        body=message.get("body_text") or message.get("stripped_text") or "",
        public=bool(message.get("public", True))
        and message.get("channel") != "internal-note",
        author_email=sender.get("email") or "",
        author_name=sender.get("name") or "",
        created_at=parse_time(message.get("created_datetime")),
        files=[
            RemoteFile(a.get("name") or "attachment", a["url"], _size(a.get("size")))
            for a in message.get("attachments") or []
            if a.get("url")
        ],
    )


def _size(value) -> int | None:
    """The documented file object gives its size as a string."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cursor_state(cursor: str) -> dict | None:
    """The pull cursor read back; a bare timestamp (the cursor before it named the
    events read) starts at that timestamp."""
    if not cursor:
        return None
    if not cursor.startswith("{"):
        return {"gte": cursor}
    return json.loads(cursor)


def _cursor(boundary: str, seen: set, following: str = "", query: str = "") -> str:
    state: dict = {"gte": boundary, "seen": sorted(seen)}
    if following:
        state.update(next=following, query=query)
    return json.dumps(state)
