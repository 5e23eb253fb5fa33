"""Zendesk Support as data: what maps to what, the endpoints, the limits.

Sources: developer.zendesk.com (tickets, incremental exports, rate limits, webhooks);
tests/fakes/vendor/zendesk/README.md lists them. Zendesk has fewer statuses and
priorities than we do; our exact values travel in marker tags (base.marker_tags)."""

from integrations.registry import EndpointLimit, PlatformSpec, ValueMap

PLATFORM = PlatformSpec(
    key="zendesk",
    label="Zendesk",
    domain="zendesk.com",
    base_url="https://{subdomain}.zendesk.com/api/v2",
    credentials=("email", "api_token"),
    rate_limit=(200, 60),
    webhook="Signed: base64 HMAC-SHA256 of the timestamp and body with the "
    "connection's webhook secret (X-Zendesk-Webhook-Signature).",
    adapter="integrations.zendesk.adapter.ZendeskAdapter",
    status=ValueMap(
        to_remote={
            "open": "open",
            "in_progress": "open",
            "waiting_on_contact": "pending",
            "resolved": "solved",
            "closed": "closed",
            "archived": "closed",
        },
        from_remote={
            "new": "open",
            "open": "open",
            "pending": "waiting_on_contact",
            "hold": "in_progress",
            "solved": "resolved",
            "closed": "closed",
        },
    ),
    priority=ValueMap(
        to_remote={1: "low", 2: "low", 3: "normal", 4: "high", 5: "urgent"},
        from_remote={"low": 2, "normal": 3, "high": 4, "urgent": 5},
    ),
    endpoints={
        "me": "GET /users/me",
        "find": "GET /tickets",
        "create": "POST /tickets",
        "get": "GET /tickets/{id}",
        "update": "PUT /tickets/{id}",
        "search_users": "GET /users/search",
        "user": "GET /users/{id}",
        "changes": "GET /incremental/tickets/cursor.json",
        "comments": "GET /tickets/{id}/comments",
        "upload": "POST /uploads",
    },
    # Attachment content_url may point at Zendesk's user-content host.
    file_domains=("zdusercontent.com",),
    paging="Cursor-based incremental export: start_time on the first pull, then "
    "the after_cursor until end_of_stream; deleted tickets included.",
    rate_limits=(
        EndpointLimit("incremental-exports", 10, 60, ("GET /incremental/",)),
        EndpointLimit("ticket-updates", 100, 60, ("PUT /tickets/",)),
    ),
    # A public comment added through the API is e-mailed to the requester by the
    # account's triggers ("Notify requester of comment update", on by default).
    delivers_public_replies=True,
)
