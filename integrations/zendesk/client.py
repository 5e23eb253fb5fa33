"""Zendesk Support API v2: the endpoints of the spec, called by name."""

import base64

from integrations.base import HttpClient
from integrations.models import Connection


def auth_headers(credentials: dict) -> dict[str, str]:
    if credentials.get("oauth_token"):
        return {"Authorization": f"Bearer {credentials['oauth_token']}"}
    raw = f"{credentials.get('email', '')}/token:{credentials.get('api_token', '')}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


class ZendeskClient(HttpClient):
    def __init__(self, connection: Connection):
        super().__init__(connection, auth_headers(connection.credentials))

    def me(self) -> dict:
        return self.call("me")["user"]

    def tickets_by_external_id(self, external_id: str) -> list[dict]:
        return self.call("find", params={"external_id": external_id}).get("tickets", [])

    def create_ticket(self, ticket: dict) -> dict:
        return self.call("create", json={"ticket": ticket})["ticket"]

    def update_ticket(self, ticket_id: str, ticket: dict) -> dict:
        return self.call("update", id=ticket_id, json={"ticket": ticket})["ticket"]

    def get_ticket(self, ticket_id: str) -> dict:
        return self.call("get", id=ticket_id)["ticket"]

    def search_users(self, email: str) -> list[dict]:
        found = self.call("search_users", params={"query": f"email:{email}"})
        return found.get("users", [])

    def get_user(self, user_id: str) -> dict:
        return self.call("user", id=user_id)["user"]

    def incremental(self, *, cursor: str = "", start_time: int = 0) -> dict:
        params = {"cursor": cursor} if cursor else {"start_time": start_time}
        return self.call("changes", params={**params, "include": "users"})
