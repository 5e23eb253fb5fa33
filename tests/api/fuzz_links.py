"""OpenAPI links for the stateful phase of tests/api/test_schemathesis.py: each
create answer leads to the operations on the row it made (the ticket's number
and ETag, a conversation's id, a macro's id...), so the state machine edits,
transitions and deletes what it has just created."""

TICKET = "/workspaces/{workspace_slug}/tickets/{ref}/"
TICKET_TARGETS = [
    ("GET", TICKET),
    ("PATCH", TICKET),
    ("DELETE", TICKET),
    ("POST", TICKET + "transition/"),
    ("POST", TICKET + "assign/"),
    ("POST", TICKET + "snooze/"),
    ("POST", TICKET + "unsnooze/"),
    ("GET", TICKET + "comments/"),
    ("POST", TICKET + "comments/"),
    ("GET", TICKET + "events/"),
    ("GET", TICKET + "history/"),
    ("POST", TICKET + "sync/retry/"),
]
CONVERSATION = "/workspaces/{workspace_slug}/conversations/{id}/"
CONVERSATION_TARGETS = [
    ("GET", CONVERSATION),
    ("GET", CONVERSATION + "messages/"),
    ("POST", CONVERSATION + "messages/"),
    ("POST", CONVERSATION + "tickets/"),
]


def _rows(collection: str, key: str, methods=("GET", "PATCH", "DELETE")):
    """POST .../{collection}/ -> 201 -> each method on .../{collection}/{key}/."""
    base = f"/workspaces/{{workspace_slug}}/{collection}/"
    return [
        (
            ("POST", base),
            "201",
            (m, f"{base}{{{key}}}/"),
            {key: f"$response.body#/{key}"},
        )
        for m in methods
    ]


def _links():
    ws = {"workspace_slug": "$request.path.workspace_slug"}
    ticket = {
        **ws,
        "ref": "$response.body#/number",
        "header.If-Match": "$response.header.ETag",
    }
    source = ("POST", "/workspaces/{workspace_slug}/tickets/")
    links = [(source, "201", target, ticket) for target in TICKET_TARGETS]
    escalation = ("POST", "/workspaces/{workspace_slug}/escalations/")
    conversation = {**ws, "id": "$response.body#/conversation/id"}
    links += [(escalation, "201", t, conversation) for t in CONVERSATION_TARGETS]
    links += _rows("macros", "id") + _rows("views", "id")
    links += _rows("escalation-rules", "id")
    links += _rows("channels", "uuid", ("GET", "PUT", "PATCH", "DELETE"))
    links += _rows(
        "integrations/connections", "uuid", ("GET", "PUT", "PATCH", "DELETE")
    )
    connection = "/workspaces/{workspace_slug}/integrations/connections/"
    uuid = {"uuid": "$response.body#/uuid"}
    links += [
        (("POST", connection), "201", (m, connection + "{uuid}/" + verb), uuid)
        for m, verb in (("GET", "health/"), ("POST", "test/"))
    ]
    return [(s, code, t, {**ws, **params}) for s, code, t, params in links]


def add_links(schema) -> None:
    for (method, path), status, (target_method, target_path), parameters in _links():
        prefix = "/api/v1"
        schema.add_link(
            source=schema[prefix + path][method],
            target=schema[prefix + target_path][target_method],
            status_code=status,
            parameters=parameters,
        )
