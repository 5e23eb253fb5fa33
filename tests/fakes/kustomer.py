"""Kustomer API, as documented (tests/fakes/vendor/kustomer/README.md):
conversations (JSON:API envelopes; created open or done, snoozed only with a snooze
object; `tags` holds tag ids), tags, customers (the list takes only filter, sort,
page and pageSize: anything else is ignored; lookup by e-mail is
/v1/customers/email={email}, 404 when none), notes, messages (recorded on the
timeline, never delivered), users, and search with page/pageSize (at most 500)
and `links.next`.

Strict: Bearer credentials, JSON bodies, documented attributes. Over a limit the
answer is 429 with x-ratelimit-limit/-remaining/-reset and no Retry-After."""

import math
from datetime import datetime
from fnmatch import fnmatch
from urllib.parse import unquote

from tests.fakes.server import FakeError, FakePlatform, multipart

USERS = [
    {"type": "user", "id": "u-700", "attributes": {"email": "agent@acme.test.old"}},
    {"type": "user", "id": "u-701", "attributes": {"email": "agent@acme.test"}},
    {"type": "user", "id": "u-702", "attributes": {"email": "boss@acme.test"}},
]


def _named(what: str) -> tuple[str, ...]:
    """Where we could not read an operation's legacy roles: the permission-set
    role, and org.user.<what> / org.admin.<what> assumed."""
    return tuple(f"org.{kind}.{what}" for kind in ("permission", "user", "admin"))


# The roles each endpoint accepts, any one of them (developer.kustomer.com/api:
# each operation's Authorization section, "Requires any one of these roles").
SEARCH_ROLES = (  # api/core-resources/create-customer-search
    "org.permission.search.create",
    "org.permission.search.update",
    "org.permission.search_global.create",
    "org.permission.search_preview.create",
    "org.user.search.read",
    "org.admin.search.read",
)
MESSAGE_ROLES = ("org.permission.message.create", "org.user.message.write")
ROLE_FOR = (
    ("POST", "/v1/customers/search", SEARCH_ROLES),
    ("GET", "/v1/customers", _named("customer.read")),
    ("POST", "/v1/customers", _named("customer.create")),
    # api/core-resources/create-message-from-conversation
    ("POST", "/v1/conversations/*/messages", MESSAGE_ROLES),
    ("GET", "/v1/conversations", _named("conversation.read")),
    ("POST", "/v1/conversations", _named("conversation.create")),
    ("PATCH", "/v1/conversations", _named("conversation.update")),
    ("PUT", "/v1/conversations", _named("conversation.update")),
    ("POST", "/v1/notes", ("org.permission.note.create", "org.user.note.write")),
    # api/core-resources/create-attachment
    (
        "POST",
        "/v1/attachments",
        ("org.permission.note.create", "org.permission.message.create")
        + ("org.user.note.write", "org.user.message.write"),
    ),
    # api/core-resources/get-attachment-by-message-id-and-attachment-id-inbound-
    # or-outbound
    (
        "GET",
        "/v1/messages/",
        ("org.permission.attachment.read", "org.user.attachment.read"),
    ),
    ("GET", "/v1/tags", _named("tag.read")),
    ("POST", "/v1/tags", _named("tag.create")),
    ("GET", "/v1/users", _named("user.read")),
)
# A key made with every permission-set role the sync uses.
ALL_ROLES = frozenset(roles[0] for _m, _p, roles in ROLE_FOR)
CONVERSATION_KEYS = {
    "customer",
    "name",
    "status",
    "priority",
    "tags",
    "assignedUsers",
    "assignedTeams",
    "externalId",
    "snooze",
    "direction",
    "custom",
    "queue",
}


def _error(status: int, title: str) -> FakeError:
    return FakeError(status, {"errors": [{"status": status, "title": title}]})


S3_FORM = "/s3-attachments"  # stands for the presigned form's S3 bucket URL
S3_FILE = "/s3-files"  # stands for a signed S3 download URL (key in the query)


class FakeKustomer(FakePlatform):
    prefix = ""
    raw_bodies = frozenset({f"POST {S3_FORM}"})
    unauthenticated = frozenset({f"POST {S3_FORM}", f"GET {S3_FILE}"})

    def __init__(self, credentials: dict | None = None):
        super().__init__(credentials)
        self.conversations: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.tags: dict[str, str] = {}  # tag id -> name
        self.notes: dict[str, list[str]] = {}
        self.messages: dict[str, list[str]] = {}
        self.page_size = 500
        self.frozen_stamp = ""  # set: every write gets this updatedAt (a burst)
        self.timeline: dict[str, list[dict]] = {}  # messages and notes, as listed
        self.attachments: dict[str, dict] = {}  # id -> record (+ its bytes)
        self.roles = set(ALL_ROLES)  # the API key's roles, fixed when it was made

    # --- strictness ---

    def check_auth(self, headers) -> None:
        given = headers.get("Authorization") or ""
        token = given.removeprefix("Bearer ")
        if not given.startswith("Bearer ") or not token:
            raise _error(401, "Unauthorized")
        if self.credentials and token != self.credentials.get("api_key"):
            raise _error(401, "Unauthorized")

    def rate_group(self, method: str, path: str) -> str:
        return "search" if path == "/v1/customers/search" else "org"

    def too_many(self, wait: float) -> FakeError:
        return FakeError(
            429,
            {"errors": [{"status": 429, "title": "Too Many Requests"}]},
            {
                "x-ratelimit-limit": str(self.limits["search"][0])
                if "search" in self.limits
                else "0",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(max(1, math.ceil(wait))),
            },
        )

    # --- state helpers ---

    def _touch(self, conversation: dict) -> dict:
        conversation["attributes"]["updatedAt"] = self.frozen_stamp or self.stamp()
        return conversation

    def remote_edit(self, conversation_id: str, **attributes) -> dict:
        with self.lock:
            conversation = self.conversations[conversation_id]
            conversation["attributes"].update(attributes)
            return self._touch(conversation)

    def tag_id(self, name: str) -> str:
        """The id of a tag (made on Kustomer if new), as an agent would see it."""
        with self.lock:
            for tag_id, known in self.tags.items():
                if known == name:
                    return tag_id
            tag_id = f"{self.next_id():024x}"
            self.tags[tag_id] = name
            return tag_id

    def add_conversation(self, **attributes) -> dict:
        """A conversation made on Kustomer by someone else."""
        with self.lock:
            return self._create({"customer": "c-1", "name": "Made", **attributes})

    # --- routes ---

    def _allowed_roles(self, method: str, path: str) -> tuple[str, ...]:
        """The roles one of which the request needs (none: any valid key)."""
        if path == "/v1/users/current":
            return ()
        for known_method, pattern, roles in ROLE_FOR:
            if method == known_method and fnmatch(path, pattern + "*"):
                return roles
        return ()

    def route(self, method, path, query, body):
        parts = path.strip("/").split("/")
        if path == "/v1/auth/tokens/current":  # any valid key, whatever its roles
            attributes = {"name": "helpdesk-sync", "roles": sorted(self.roles)}
            return 200, {
                "data": {"type": "authToken", "id": "t-1", **{"attributes": attributes}}
            }
        allowed = self._allowed_roles(method, path)
        if allowed and not self.roles.intersection(allowed):
            raise _error(403, "Forbidden")
        if path == "/v1/users/current":
            return 200, {"data": USERS[1]}
        if path == "/v1/users":
            email = query.get("email")
            found = [u for u in USERS if u["attributes"]["email"] == email]
            return 200, {"data": found}
        if parts[:2] == ["v1", "users"] and len(parts) == 3:
            return 200, {"data": self._one(USERS, parts[2])}
        if path == "/v1/customers" and method == "GET":
            # Only filter/sort/page/pageSize are documented; others are ignored.
            return 200, {"data": list(self.customers.values())[:100]}
        if path.startswith("/v1/customers/email=") and method == "GET":
            return 200, {"data": self._customer_by_email(path)}
        if parts[:2] == ["v1", "customers"] and len(parts) == 3 and method == "GET":
            return 200, {"data": self._one(self.customers.values(), parts[2])}
        if path == "/v1/customers" and method == "POST":
            return 201, {"data": self._new_customer(body)}
        if path == "/v1/customers/search" and method == "POST":
            return 200, self._search(query, body)
        if path == "/v1/tags" and method == "GET":
            data = [
                {"type": "tag", "id": i, "attributes": {"name": n}}
                for i, n in self.tags.items()
            ]
            return 200, {"data": data, "links": {"next": None}}
        if path == "/v1/tags" and method == "POST":
            tag_id = self.tag_id(body["name"])
            return 201, {"data": {"type": "tag", "id": tag_id, "attributes": body}}
        if path == "/v1/conversations" and method == "POST":
            return 201, {"data": self._create(body)}
        if path == "/v1/notes" and method == "POST":
            conversation = self._one(self.conversations.values(), body["conversation"])
            self.notes[conversation["id"]].append(body["body"])
            return 201, {"data": self._item("note", conversation["id"], body)}
        if path == "/v1/attachments" and method == "POST":
            return 201, self._attachment(body)
        if path == S3_FORM and method == "POST":
            self._s3_upload(body)
            return 204, {}
        if path == S3_FILE and method == "GET":
            return self._s3_download(query)
        if parts[:2] == ["v1", "messages"] and parts[3:4] == ["attachments"]:
            return 200, self._attachment_read(parts[2], parts[4])
        if parts[:2] == ["v1", "conversations"] and len(parts) >= 3:
            conversation = self._one(self.conversations.values(), parts[2])
            if len(parts) == 4 and parts[3] == "messages" and method == "POST":
                self.messages[conversation["id"]].append(body["body"])
                self._touch(conversation)
                return 201, {"data": self._item("message", conversation["id"], body)}
            if (
                len(parts) == 4
                and parts[3] in ("messages", "notes")
                and method == "GET"
            ):
                kind = parts[3][:-1]
                items = self.timeline.get(conversation["id"], [])
                found = [i for i in items if i["type"] == kind]
                return 200, {"data": found, "links": {"next": None}}
            if len(parts) == 3 and method == "GET":
                return 200, {"data": conversation}
            if len(parts) == 3 and method in ("PATCH", "PUT"):
                self._check(body, creating=False)
                conversation["attributes"].update(body)
                return 200, {"data": self._touch(conversation)}
        raise _error(404, "Not Found")

    # --- messages, notes, attachments ---

    def _item(self, kind: str, conversation_id: str, body: dict, user="u-701"):
        """A message or note as the timeline lists it (JSON:API)."""
        files = body.get("attachments") or []
        for item in files:
            record = self.attachments.get(item.get("_id"))
            if record is None or not record["data"]["attributes"]["uploaded"]:
                raise _error(400, "attachments: unknown or not uploaded")
        attributes = {
            "body": body["body"],
            "createdAt": self.stamp(),
            "attachments": files,
        }
        if kind == "message":
            attributes |= {"direction": body.get("direction", "out")}
            attributes |= {"channel": body.get("channel", "email")}
        item = {
            "type": kind,
            "id": f"{kind[0]}-{self.next_id()}",
            "attributes": attributes,
            "relationships": {"createdBy": {"data": {"type": "user", "id": user}}},
        }
        self.timeline.setdefault(conversation_id, []).append(item)
        return item

    def remote_item(self, kind: str, conversation_id: str, body: str, **extra):
        """Someone writes a message or note on Kustomer (extra: direction, user)."""
        with self.lock:
            user = extra.pop("user", "u-701")
            item = self._item(kind, conversation_id, {"body": body, **extra}, user)
            self._touch(self.conversations[conversation_id])
            return item

    def _attachment(self, body: dict) -> dict:
        missing = [k for k in ("name", "contentType", "contentLength") if k not in body]
        if missing or not isinstance(body.get("contentLength"), int):
            raise _error(400, f"name, contentType and contentLength required {missing}")
        attachment_id = f"{self.next_id():024x}"
        fields = {
            "key": f"attachments/org/{attachment_id}-{body['name']}",
            "acl": "private",
            "Content-Type": body["contentType"],
            "X-Amz-Meta-Attachment-Id": attachment_id,
            "bucket": "kustomer-attachments",
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": "AKIAFAKE/20990101/us-east-1/s3/aws4_request",
            "X-Amz-Date": "20990101T000000Z",
            "Policy": "eyJleHBpcmF0aW9uIjoi",
            "X-Amz-Signature": "0f1e2d",
        }
        record = {
            "data": {
                "type": "attachment",
                "id": attachment_id,
                "attributes": {
                    **body,
                    "redacted": False,
                    "uploaded": False,
                    "createdAt": self.stamp(),
                    "updatedAt": self.stamp(),
                    "context": "attachment",
                },
                "relationships": {"org": {"data": {"id": "org-1", "type": "org"}}},
                "links": {"self": f"/v1/attachments/{attachment_id}"},
            },
            "meta": {
                "provider": "s3",
                "upload": {"url": self.url + S3_FORM, "fields": fields},
            },
        }
        self.attachments[attachment_id] = record
        return record

    def remote_file(self, name: str, data: bytes, content_type: str) -> dict:
        """A file a customer sent, as a message lists it (uploaded by Kustomer)."""
        with self.lock:
            body = {"name": name, "contentType": content_type}
            record = self._attachment(body | {"contentLength": len(data)})
            record["data"]["attributes"]["uploaded"] = True
            record["bytes"] = data
            return {"_id": record["data"]["id"], **body, "contentLength": len(data)}

    def _attachment_read(self, message_id: str, attachment_id: str) -> dict:
        """GET /v1/messages/{message_id}/attachments/{id}: the record, with a
        short-lived signed download URL in links.related (vendor/kustomer/
        attachment_read.json); 404 unless that message lists that file."""
        messages = [i for items in self.timeline.values() for i in items]
        message = self._one([m for m in messages if m["type"] == "message"], message_id)
        listed = [a["_id"] for a in message["attributes"]["attachments"]]
        record = self.attachments.get(attachment_id)
        if attachment_id not in listed or record is None:
            raise _error(404, "Not Found")
        attributes = record["data"]["attributes"]
        # On S3, not the API's host: this fake under another name.
        s3 = self.url.replace("127.0.0.1", "localhost")
        link = f"{s3}{S3_FILE}?key={attachment_id}&X-Amz-Signature=0f1e2d"
        return {
            "data": {
                "type": "attachment",
                "id": attachment_id,
                "attributes": {
                    k: attributes[k]
                    for k in ("name", "contentType", "contentLength", "redacted")
                },
                "relationships": {
                    "message": {"data": {"type": "message", "id": message_id}}
                },
                "links": {"self": f"/v1/attachments/{attachment_id}", "related": link},
            }
        }

    def _s3_download(self, query: dict):
        """The signed URL carries its own authorization: S3 refuses a second one
        (an Authorization header) and an unsigned request."""
        if "Authorization" in self.current_headers:
            raise FakeError(400, {"error": "InvalidArgument: Only one auth mechanism"})
        record = self.attachments.get(query.get("key", ""))
        if not query.get("X-Amz-Signature") or record is None:
            raise FakeError(403, {"error": "AccessDenied"})
        return 200, record["bytes"]

    def _s3_upload(self, raw: bytes) -> None:
        """S3's POST form: the issued fields, then the file last, of the size
        the record declared."""
        fields, files = multipart(self.current_headers, raw)
        record = self.attachments.get(fields.get("X-Amz-Meta-Attachment-Id", ""))
        if record is None or fields != record["meta"]["upload"]["fields"]:
            raise FakeError(403, {"error": "AccessDenied: policy mismatch"})
        if (
            list(files) != ["file"]
            or len(files["file"][1]) != (record["data"]["attributes"]["contentLength"])
        ):
            raise FakeError(400, {"error": "EntityTooSmall or missing file"})
        record["data"]["attributes"]["uploaded"] = True
        record["bytes"] = files["file"][1]

    def _one(self, items, item_id: str) -> dict:
        found = [i for i in items if i["id"] == item_id]
        if not found:
            raise _error(404, "Not Found")
        return found[0]

    def _customer_by_email(self, path: str) -> dict:
        email = unquote(path.removeprefix("/v1/customers/email="))
        for customer in self.customers.values():
            if email in [e["email"] for e in customer["attributes"]["emails"]]:
                return customer
        raise _error(404, "Not Found")

    def _new_customer(self, body: dict) -> dict:
        customer = {
            "type": "customer",
            "id": f"c-{self.next_id()}",
            "attributes": {"name": body["name"], "emails": body.get("emails", [])},
        }
        self.customers[customer["id"]] = customer
        return customer

    def _check(self, body: dict, *, creating: bool) -> None:
        unknown = sorted(set(body) - CONVERSATION_KEYS)
        if unknown:
            raise _error(400, f"Unknown attributes {unknown}")
        allowed = {"open", "done"} if creating else {"open", "snoozed", "done"}
        if "status" in body and body["status"] not in allowed:
            raise _error(400, f"status must be one of {sorted(allowed)}")
        if body.get("status") == "snoozed" and not (body.get("snooze") or {}).get(
            "time"
        ):
            raise _error(400, "snoozed needs a snooze object with a time")
        priority = body.get("priority", 3)
        if not isinstance(priority, int) or not 1 <= priority <= 5:
            raise _error(400, "priority must be an integer from 1 to 5")
        if any(tag not in self.tags for tag in body.get("tags", [])):
            raise _error(400, "tags must be tag ids")
        if len(body.get("assignedUsers", [])) > 10:
            raise _error(400, "assignedUsers: at most 10")

    def _search(self, query: dict, body: dict) -> dict:
        page = int(query.get("page") or 1)
        size = int(query.get("pageSize") or 100)
        if size > 500:
            raise _error(400, "pageSize must be at most 500")
        size = min(size, self.page_size)
        found = self._matching(body.get("and", []))
        chunk = found[(page - 1) * size : page * size]
        more = page * size < len(found)
        base = "/v1/customers/search"
        return {
            "data": chunk,
            "links": {
                "self": f"{base}?page={page}&pageSize={size}",
                "next": f"{base}?page={page + 1}&pageSize={size}" if more else None,
            },
            "meta": {"page": page, "pageSize": size, "total": len(found)},
        }

    def _matching(self, clauses: list[dict]) -> list[dict]:
        found = list(self.conversations.values())
        for clause in clauses:
            if "conversation_external_id" in clause:
                ref = clause["conversation_external_id"]["equals"]
                found = [c for c in found if c["attributes"]["externalId"] == ref]
            if "conversation_updated_at" in clause:
                bound = clause["conversation_updated_at"]
                if "gte" in bound:
                    found = [c for c in found if _at(c) >= _when(bound["gte"])]
                if "gt" in bound:
                    found = [c for c in found if _at(c) > _when(bound["gt"])]
        return sorted(found, key=lambda c: (_at(c), c["id"]))

    def _create(self, body: dict) -> dict:
        if not body.get("customer"):
            raise _error(400, "customer is required")
        self._check(body, creating=True)
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
                "snooze": body.get("snooze"),
            },
            "relationships": {"customer": {"data": {"id": body["customer"]}}},
        }
        self.conversations[conversation["id"]] = conversation
        self.notes[conversation["id"]] = []
        self.messages[conversation["id"]] = []
        return self._touch(conversation)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _at(conversation: dict) -> datetime:
    return _when(conversation["attributes"]["updatedAt"])
