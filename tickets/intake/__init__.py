"""Escalation intake: the AI agent's hand-overs become tickets.

`serializers` validates the posted payload (and is the endpoint's OpenAPI schema),
`rules` holds the escalation rules (matching and their writes), `service` runs the
intake itself (idempotency claim, grouping, ticket), `routing` assigns within a team
and `summaries` writes the ticket summary.
"""
