"""Gorgias as data: what maps to what, the endpoints, the limits.

Sources: developers.gorgias.com (tickets, messages, events, limitations) and
docs.gorgias.com (HTTP integrations); tests/fakes/vendor/gorgias/README.md lists
them. Gorgias has only open and closed (snoozed = closed with a snooze date
ahead); our exact status travels in a marker tag."""

from integrations.gorgias.adapter import SECRET_HEADER
from integrations.registry import FieldNames, PlatformSpec, ValueMap

PLATFORM = PlatformSpec(
    key="gorgias",
    label="Gorgias",
    domain="gorgias.com",
    base_url="https://{subdomain}.gorgias.com/api",
    credentials=("email", "api_key"),
    rate_limit=(40, 20),
    webhook="Gorgias signs nothing: send the connection's webhook secret in the "
    f"{SECRET_HEADER} header of the HTTP integration, with the body template of "
    "docs/sync.md.",
    adapter="integrations.gorgias.adapter.GorgiasAdapter",
    status=ValueMap(
        to_remote={
            "open": "open",
            "in_progress": "open",
            "waiting_on_contact": "open",
            "resolved": "closed",
            "closed": "closed",
            "archived": "closed",
        },
        from_remote={"open": "open", "closed": "resolved"},
    ),
    priority=ValueMap(
        to_remote={1: "low", 2: "low", 3: "normal", 4: "high", 5: "critical"},
        from_remote={"low": 2, "normal": 3, "high": 4, "critical": 5},
    ),
    fields=FieldNames(assignee="assignee_user", updated="updated_datetime"),
    endpoints={
        "me": "GET /account",
        "find": "GET /tickets",
        "create": "POST /tickets",
        "get": "GET /tickets/{id}",
        "update": "PUT /tickets/{id}",
        "message": "POST /tickets/{id}/messages",
        "users": "GET /users",
        "user": "GET /users/{id}",
        "changes": "GET /events",
        "upload": "POST /upload",
    },
    # Uploaded files are served from Gorgias's file hosts.
    file_domains=("gorgias.io",),
    paging="Events list (created_datetime[gte] from the boundary, ascending, 100 "
    "a page, following next_cursor); the events already read on the boundary "
    "timestamp are skipped, so a burst on one timestamp is read whole; each "
    "changed ticket is fetched and applied in turn, so a spent budget loses "
    "nothing.",
    # Only the account-wide leaky bucket (40 requests / 20 s for API keys).
    rate_limits=(),
    # A message posted with sent_datetime is recorded as sent, not delivered: our
    # own channel delivers the reply.
    delivers_public_replies=False,
)
