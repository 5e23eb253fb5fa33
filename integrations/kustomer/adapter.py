"""Kustomer in our terms: conversations keyed by our reference in `externalId`.

Special cases beyond the spec: a conversation is created open or done (snoozed is
set afterwards, with a snooze object), its `tags` hold tag ids (mapped to names
through /v1/tags), customers are found by e-mail at /v1/customers/email={email},
and the pull pages through a burst that shares one timestamp."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from django.conf import settings

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
from integrations.files import post_form
from integrations.kustomer.client import KustomerClient

SNOOZED = "snoozed"


def _role(what: str, *legacy: str) -> tuple[str, ...]:
    """The roles that allow one kind of request; the key needs any one of them.
    developer.kustomer.com/api lists them per operation ("Requires any one of
    these roles"): the permission-set role, then the legacy ones. Where we could
    not read the legacy names, org.user.<what> / org.admin.<what> are assumed."""
    return (
        f"org.permission.{what}",
        *(legacy or (f"org.user.{what}", f"org.admin.{what}")),
    )


# POST /v1/customers/search (api/core-resources/create-customer-search): search
# roles, not conversation.read.
SEARCH = (
    *_role("search.create", "org.user.search.read", "org.admin.search.read"),
    "org.permission.search.update",
    "org.permission.search_global.create",
    "org.permission.search_preview.create",
)
# POST /v1/conversations/{id}/messages (api/core-resources/create-message-from-
# conversation); POST /v1/attachments takes this one or note.create
# (api/core-resources/create-attachment).
MESSAGE_CREATE = _role("message.create", "org.user.message.write")
NOTE_CREATE = _role("note.create", "org.user.note.write")
# GET /v1/messages/{message_id}/attachments/{id} (api/core-resources/get-
# attachment-by-message-id-and-attachment-id-inbound-or-outbound).
ATTACHMENT_READ = _role("attachment.read", "org.user.attachment.read")
PUSH_ROLES = (
    SEARCH,  # the lookup by our reference
    _role("conversation.create"),
    _role("conversation.update"),
    _role("customer.read"),
    _role("customer.create"),
    MESSAGE_CREATE,
    NOTE_CREATE,
    _role("tag.read"),
    _role("tag.create"),
    _role("user.read"),  # assignees by e-mail
)
PULL_ROLES = (
    SEARCH,
    _role("conversation.read"),  # messages and notes
    _role("customer.read"),
    _role("tag.read"),
    _role("user.read"),
    ATTACHMENT_READ,  # the files of pulled messages
)


def _file(message_id, attachment: dict) -> RemoteFile:
    """A file as a message lists it ({_id, name, contentType, contentLength})."""
    size = attachment.get("contentLength")
    return RemoteFile(
        name=str(attachment.get("name") or "attachment"),
        url="",
        size=size if isinstance(size, int) else None,
        ref=f"{message_id}/{attachment.get('_id')}",
    )


def _holds(held: set[str], allowed: tuple[str, ...]) -> bool:
    return bool(held.intersection(allowed))


class KustomerAdapter(Adapter):
    def __init__(self, connection):
        super().__init__(connection)
        self.client = KustomerClient(connection)
        self._tag_ids: dict[str, str] | None = None  # name -> id, read once

    def _web_url(self, remote_id: str) -> str:
        """The agent desktop, not the API host: {org}.kustomerapp.com."""
        host = self.connection.api_base.replace(
            ".api.kustomerapp.com", ".kustomerapp.com"
        )
        return f"{host}/app/conversations/{remote_id}"

    def _remote(self, data: dict) -> RemoteTicket:
        remote = self._incoming(
            data.get("attributes") or {},
            remote_id=data["id"],
            url=self._web_url(data["id"]),
            raw=data,
        )
        customer = ((data.get("relationships") or {}).get("customer") or {}).get("data")
        remote.requester_id = str((customer or {}).get("id") or "")
        return remote

    def _lookup_requester(self, requester_id: str) -> tuple[str, str] | None:
        attributes = self.client.get_customer(requester_id).get("attributes") or {}
        emails = attributes.get("emails") or []
        email = emails[0].get("email", "") if emails else ""
        return (email, attributes.get("name") or "")

    def _status_out(self, status: str) -> dict:
        """Snoozed is set with a snooze object saying when it wakes (a customer
        reply wakes it sooner)."""
        remote = self.spec.status.remote(status)
        if remote != SNOOZED:
            return {"status": remote}
        wake = datetime.now(UTC) + timedelta(days=settings.SYNC_KUSTOMER_SNOOZE_DAYS)
        return {"status": SNOOZED, "snooze": {"time": wake.isoformat()}}

    def _assignee_out(self, user_id: str | None):
        return [user_id] if user_id else []

    def _assignee_in(self, fields: dict) -> str:
        value = fields[self.names.assignee]
        return str(value[0]) if value else ""

    # Tags: the conversation holds tag ids; we speak names.

    def _tags(self, refresh: bool = False) -> dict[str, str]:
        if self._tag_ids is None or refresh:
            self._tag_ids = {
                t["attributes"]["name"]: t["id"] for t in self.client.tags()
            }
        return self._tag_ids

    def _tags_out(self, names: list[str]) -> list[str]:
        ids = self._tags()
        for name in names:
            if name not in ids:
                ids[name] = self.client.create_tag(name)["id"]
        return [ids[name] for name in names]

    def _tag_names(self, fields: dict) -> list[str]:
        tag_ids = fields.get("tags") or []
        names = {tag_id: name for name, tag_id in self._tags().items()}
        if any(tag_id not in names for tag_id in tag_ids):
            names = {tag_id: name for name, tag_id in self._tags(True).items()}
        return [names[tag_id] for tag_id in tag_ids if tag_id in names]

    def test_connection(self) -> str:
        """Who we are there, and whether the API key's roles (fixed when the key
        was made) cover what push and pull send; the missing ones are named."""
        attributes = self.client.current_token().get("attributes") or {}
        held = set(attributes.get("roles") or [])
        name = attributes.get("name") or "this API key"
        missing = [
            f"{direction} needs {', '.join(lacking)}"
            for direction, enabled, needed in (
                ("push", self.connection.push_enabled, PUSH_ROLES),
                ("pull", self.connection.pull_enabled, PULL_ROLES),
            )
            if enabled
            and (lacking := [roles[0] for roles in needed if not _holds(held, roles)])
        ]
        if missing:
            raise SyncError(
                f"Connected to Kustomer as {name}, but {'; '.join(missing)} "
                "(roles cannot be added to a key: make a new one).",
                permanent=True,
            )
        return f"Connected to Kustomer as {name}: push and pull allowed."

    def find_by_external_id(self, ref: str) -> RemoteTicket | None:
        found = self.client.search_conversations(
            [{"conversation_external_id": {"equals": ref}}]
        ).get("data", [])
        return self._remote(found[0]) if found else None

    def create(self, snapshot: dict) -> RemoteTicket:
        email, name = requester_of(snapshot)
        customer = self.client.customer_by_email(email) or self.client.create_customer(
            email, name
        )
        body = self._outgoing(
            snapshot, ["subject", "status", "priority", "assignee", "tags"]
        )
        body["externalId"] = snapshot["ref"]
        body["customer"] = customer["id"]
        snooze = body.pop("snooze", None)
        if snooze:  # created open, then snoozed
            body["status"] = "open"
        remote = self._remote(self.client.create_conversation(body))
        if snooze:
            remote = self._remote(
                self.client.update_conversation(
                    remote.remote_id, {"status": SNOOZED, "snooze": snooze}
                )
            )
        if snapshot.get("content"):
            self.client.add_note(remote.remote_id, snapshot["content"])
        return remote

    def update(self, link, snapshot: dict, fields) -> RemoteTicket:
        return self._remote(
            self.client.update_conversation(
                link.remote_id, self._outgoing(snapshot, fields)
            )
        )

    def add_comment(self, link, body: str, public: bool, snapshot: dict, files=()):
        """A message (public) or a note; files are attachment records whose
        bytes go to the presigned form Kustomer answers with, then listed on
        the message or note."""
        attachments = [self._upload(file) for file in files]
        if public:
            answer = self.client.add_message(link.remote_id, body, attachments)
        else:
            answer = self.client.add_note(link.remote_id, body, attachments)
        return Posted(None, str((answer.get("data") or {}).get("id") or ""))

    def _upload(self, file) -> dict:
        record = self.client.create_attachment(file)
        form = record["meta"]["upload"]
        post_form(
            self.connection.platform,
            form["url"],
            form["fields"],
            (file.name, file.data, file.content_type),
        )
        return {
            "_id": record["data"]["id"],
            "name": file.name,
            "contentType": file.content_type,
            "contentLength": len(file.data),
        }

    def _fetch_comments(self, remote_id: str) -> list[RemoteComment]:
        """Messages (public) and notes (internal), oldest first; an agent's
        e-mail is read from /v1/users/{id} (once per user)."""
        found = [
            self._comment(item, public=True) for item in self.client.messages(remote_id)
        ] + [self._comment(item, public=False) for item in self.client.notes(remote_id)]
        return sorted(
            found, key=lambda c: c.created_at or datetime.min.replace(tzinfo=UTC)
        )

    def _comment(self, item: dict, *, public: bool) -> RemoteComment:
        attributes = item.get("attributes") or {}
        created_by = ((item.get("relationships") or {}).get("createdBy") or {}).get(
            "data"
        ) or {}
        inbound = attributes.get("direction") == "in"
        email = ""
        if created_by.get("id") and not inbound:
            email = self.email_for_user_id(str(created_by["id"])) or ""
        return RemoteComment(
            remote_id=str(item["id"]),
            body=attributes.get("body") or attributes.get("preview") or "",
            public=public,
            author_email=email,
            author_name="Customer" if inbound else "",
            created_at=parse_time(attributes.get("createdAt")),
            # A message's files are fetched by message and attachment id.
            files=[_file(item["id"], a) for a in attributes.get("attachments") or []]
            if public
            else [],
        )

    def file_url(self, remote: RemoteFile) -> str:
        """A message's file is on S3 behind a short-lived signed URL, asked for
        just before the download (`links.related` of the attachment)."""
        message_id, attachment_id = remote.ref.split("/", 1)
        answer = self.client.call("attachment", message_id=message_id, id=attachment_id)
        return ((answer.get("data") or {}).get("links") or {}).get("related") or ""

    def fetch(self, remote_id: str) -> RemoteTicket:
        return self._remote(self.client.get_conversation(remote_id))

    def pull_changes(self, cursor: str) -> tuple[list[RemoteTicket], str, bool]:
        """One search page of conversations updated after the cursor's time. The
        cursor (JSON) keeps the bound, the page to read next and the newest time
        read so far: a burst sharing one timestamp is paged through (never
        restarted at page 1), and once the last page is read the next pull asks
        for what came after the newest time."""
        state = json.loads(cursor) if cursor.startswith("{") else {}
        bound = state.get("bound") or {"gte": self.pull_start().isoformat()}
        page = state.get("page", 1)
        data = self.client.search_conversations(
            [{"conversation_updated_at": bound}], page=page
        )
        tickets = [self._remote(item) for item in data.get("data", [])]
        newest = max(
            [state.get("newest", "")]
            + [t.updated_at.isoformat() for t in tickets if t.updated_at]
        )
        if (data.get("links") or {}).get("next"):
            state = {"bound": bound, "page": page + 1, "newest": newest}
            return tickets, json.dumps(state), True
        state = {"bound": {"gt": newest} if newest else bound}
        return tickets, json.dumps(state), False

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
        for user in self.client.users(email):
            if (user.get("attributes") or {}).get("email", "").lower() == email.lower():
                return str(user["id"])
        return None

    def _lookup_email(self, user_id: str) -> str | None:
        return (self.client.get_user(user_id).get("attributes") or {}).get("email")
