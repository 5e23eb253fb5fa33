"""Kustomer as data: what maps to what, the endpoints, the limits.

Sources: developer.kustomer.com (conversations, customers, search, rate limits,
outbound webhooks); tests/fakes/vendor/kustomer/README.md lists them. Priority is
natively 1 (lowest) to 5 (highest), like ours; statuses are open, snoozed and
done, and our exact status travels in a marker tag."""

from integrations.registry import EndpointLimit, FieldNames, PlatformSpec, ValueMap

PLATFORM = PlatformSpec(
    key="kustomer",
    label="Kustomer",
    domain="kustomerapp.com",
    base_url="https://{subdomain}.api.kustomerapp.com",
    credentials=("api_key",),
    rate_limit=(300, 60),
    webhook="Signed: hex HMAC-SHA256 of the body with the connection's webhook "
    "secret (X-Kustomer-Webhook-Signature).",
    adapter="integrations.kustomer.adapter.KustomerAdapter",
    status=ValueMap(
        to_remote={
            "open": "open",
            "in_progress": "open",
            "waiting_on_contact": "snoozed",
            "resolved": "done",
            "closed": "done",
            "archived": "done",
        },
        from_remote={
            "open": "open",
            "snoozed": "waiting_on_contact",
            "done": "resolved",
        },
    ),
    priority=ValueMap(
        to_remote={p: p for p in range(1, 6)}, from_remote={p: p for p in range(1, 6)}
    ),
    fields=FieldNames(
        subject="name",
        assignee="assignedUsers",
        external_id="externalId",
        updated="updatedAt",
    ),
    endpoints={
        "me": "GET /v1/users/current",
        "token": "GET /v1/auth/tokens/current",
        "search": "POST /v1/customers/search",
        "customer_by_email": "GET /v1/customers/email={email}",
        "create_customer": "POST /v1/customers",
        "customer": "GET /v1/customers/{id}",
        "create": "POST /v1/conversations",
        "get": "GET /v1/conversations/{id}",
        "update": "PATCH /v1/conversations/{id}",
        "note": "POST /v1/notes",
        "message": "POST /v1/conversations/{id}/messages",
        "messages": "GET /v1/conversations/{id}/messages",
        "notes": "GET /v1/conversations/{id}/notes",
        "create_attachment": "POST /v1/attachments",
        "attachment": "GET /v1/messages/{message_id}/attachments/{id}",
        "tags": "GET /v1/tags",
        "create_tag": "POST /v1/tags",
        "users": "GET /v1/users",
        "user": "GET /v1/users/{id}",
    },
    paging="Search sorted by conversation_updated_at ascending, page/pageSize "
    "(500) following links.next; the cursor keeps the timestamp and the ids "
    "already seen on it, so a burst sharing one timestamp is read whole.",
    # The presigned upload form of an attachment is on S3.
    file_domains=("amazonaws.com",),
    rate_limits=(EndpointLimit("search", 100, 60, ("POST /v1/customers/search",)),),
    # Messages created through the API are recorded on the timeline, not sent.
    delivers_public_replies=False,
)
