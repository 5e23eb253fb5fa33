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

    def add_comment(self, ticket_id: str, comment: dict) -> dict:
        """The whole answer: the ticket and the audit naming the new comment."""
        return self.call("update", id=ticket_id, json={"ticket": {"comment": comment}})

    def upload(self, file) -> str:
        """The token of the uploaded file (POST /uploads, raw bytes)."""
        body = {"data": file.data, "content_type": "application/binary"}
        answer = self.call("upload", params={"filename": file.name}, body=body)
        return answer["upload"]["token"]

    def comments(self, ticket_id: str) -> tuple[list[dict], dict]:
        """Every comment of the ticket, oldest first, and their authors by id
        (cursor paging, 100 a page)."""
        comments, users = [], {}
        params = {"include": "users", "page[size]": 100}
        while True:
            page = self.call("comments", id=ticket_id, params=params)
            comments += page.get("comments", [])
            users |= {u["id"]: u for u in page.get("users", [])}
            meta = page.get("meta") or {}
            if not meta.get("has_more"):
                return comments, users
            params = {**params, "page[after]": meta["after_cursor"]}

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
