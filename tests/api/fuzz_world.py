"""The world the schemathesis run fuzzes: one workspace with a row of every kind the
API addresses by id (tickets 1-3, a conversation, an attachment, a channel, a
connection, a macro, a saved view, an escalation rule), made through the API
itself, and the real id of each path parameter, so generated requests get past
the lookup and reach the success paths."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

BASE = "/api/v1/workspaces/acme"
ESCALATION = {
    "question": "Why was I charged twice for order 1234?",
    "answer": "I could not find the duplicate charge.",
    "confidence": 35,
    "topic": "billing",
    "escalate": True,
    "conversation": {
        "external_id": "chat-fuzz-1",
        "channel": "web",
        "contact": {"name": "Dana Scully", "email": "dana@example.org"},
        "messages": [
            {
                "author_kind": "contact",
                "body": "Hi, I was charged twice.",
                "sent_at": "2026-01-05T09:00:00Z",
            }
        ],
    },
}


def closed_port() -> int:
    """A loopback port nobody listens on: the connection test fails fast there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What a create must carry to succeed (a platform's credentials, a message list),
# laid over the generated body of positive cases: the fuzz varies the rest.
CORE_BODIES = {
    "POST /api/v1/workspaces/{workspace_slug}/tickets/{ref}/comments/": lambda: {
        "body": "Thanks, we are on it.",
    },
    "POST /api/v1/workspaces/{workspace_slug}/tickets/{ref}/snooze/": lambda: {
        "until": "2099-01-05T09:00:00Z",  # a snooze must end in the future
    },
    "POST /api/v1/workspaces/{workspace_slug}/channels/": lambda: {
        "kind": "email",
        "from_email": "help@acme.example",
    },
    "POST /api/v1/workspaces/{workspace_slug}/integrations/connections/": lambda: {
        "platform": "gorgias",
        "subdomain": "acme",
        "base_url": f"http://127.0.0.1:{closed_port()}",
        "credentials": {"email": "a@acme.test", "api_key": "gg-key-123456789"},
    },
    "POST /api/v1/workspaces/{workspace_slug}/conversations/{id}/messages/": lambda: {
        "messages": [
            {
                "author_kind": "contact",
                "body": "Any news on my refund?",
                "sent_at": "2026-01-05T10:00:00Z",
            }
        ]
    },
}


@dataclass
class World:
    """Real ids by path parameter; `uuid` and `id` differ by resource."""

    ids: dict[str, str] = field(default_factory=dict)
    by_resource: dict[str, str] = field(default_factory=dict)

    def path_parameters(self, path: str) -> dict[str, str]:
        known = {"workspace_slug": "acme", **self.ids}
        for resource, value in self.by_resource.items():
            if f"/{resource}/{{" in path:
                known["uuid" if "-" in value else "id"] = value
        return known


def _made(response, *keys: str):
    assert response.status_code in (200, 201), (response.status_code, response.data)
    data = response.data
    for key in keys:
        data = data[key]
    return str(data)


def _attachment(api) -> str:
    comment = api.post(
        f"{BASE}/tickets/1/comments/",
        {"body": "Invoice attached", "files": [SimpleUploadedFile("a.txt", b"hi")]},
        format="multipart",
    )
    return _made(comment, "attachments", 0, "id")


def _post(path: str, body: dict, key: str):
    return lambda api: _made(api.post(f"{BASE}/{path}/", body, format="json"), key)


# resource (as in the path) -> how to make one row of it and get its id.
MAKERS = {
    "conversations": lambda api: _made(
        api.post(f"{BASE}/escalations/", ESCALATION, format="json"),
        "conversation",
        "id",
    ),
    "attachments": _attachment,
    "channels": lambda api: _post(
        "channels",
        {
            "kind": "chat",
            "callback_url": f"http://127.0.0.1:{closed_port()}/replies",
            "secret": "a-chat-signing-secret",
        },
        "uuid",
    )(api),
    "connections": lambda api: _post(
        "integrations/connections",
        {
            "platform": "zendesk",
            "subdomain": "acme",
            "base_url": f"http://127.0.0.1:{closed_port()}",
            "credentials": {"email": "a@acme.test", "api_token": "zd-123456789"},
        },
        "uuid",
    )(api),
    "macros": _post("macros", {"name": "Thanks", "body": "Thanks!"}, "id"),
    "views": _post("views", {"name": "Mine", "filters": {}}, "id"),
    "escalation-rules": _post("escalation-rules", {"name": "All"}, "id"),
    "articles": _post(
        "articles",
        {
            "title": "Resetting a password",
            "body": "Use the link.",
            "status": "published",
        },
        "id",
    ),
    "invitations": _post(
        "invitations", {"email": "new.agent@acme.example", "role": "agent"}, "id"
    ),
}


def build_world(admin, path: str = "") -> World:
    """Rows made through the API as the admin, ids kept for the fuzzer: tickets
    1-3, and a row of each resource in `path` (every resource without one)."""
    api = APIClient()
    api.force_authenticate(admin)
    for subject in ("Printer", "Refund", "Login"):
        body = {"subject": subject, "requester": f"{subject.lower()}@example.org"}
        _made(api.post(f"{BASE}/tickets/", body, format="json"))
    rows = {
        resource: make(api)
        for resource, make in MAKERS.items()
        if not path or f"/{resource}/" in path
    }
    key = rows.pop("attachments", "00000000-0000-0000-0000-000000000000")
    return World(ids={"ref": "2", "number": "2", "key": key}, by_resource=rows)


def documented_table() -> dict[str, int]:
    """Operation -> 2xx answers, from docs/reliability.md's Q1 table."""
    text = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text()
    rows = re.findall(r"^\| `([A-Z]+ /api/v1/[^`]+)` \| (\d+) \| \d+ \|$", text, re.M)
    return {name: int(ok) for name, ok in rows}


def write_table(answers) -> None:
    """With FUZZ_TABLE set, the per-operation table for docs/reliability.md."""
    import os

    if path := os.environ.get("FUZZ_TABLE"):
        with open(path, "w", encoding="utf-8") as out:
            out.write("| Operation | 2xx | 4xx |\n|---|---:|---:|\n")
            for name in sorted(answers):
                row = answers[name]
                out.write(f"| `{name}` | {row['2xx']} | {row['4xx']} |\n")
