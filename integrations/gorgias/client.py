"""Gorgias REST API: the endpoints of the spec, called by name."""

import base64

from integrations.base import HttpClient
from integrations.models import Connection


def auth_headers(credentials: dict) -> dict[str, str]:
    if credentials.get("oauth_token"):
        return {"Authorization": f"Bearer {credentials['oauth_token']}"}
    raw = f"{credentials.get('email', '')}:{credentials.get('api_key', '')}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


class GorgiasClient(HttpClient):
    def __init__(self, connection: Connection):
        super().__init__(connection, auth_headers(connection.credentials))

    def account(self) -> dict:
        return self.call("me")

    def tickets_by_external_id(self, external_id: str) -> list[dict]:
        data = self.call("find", params={"external_id": external_id})
        return data.get("data", [])

    def create_ticket(self, ticket: dict) -> dict:
        return self.call("create", json=ticket)

    def update_ticket(self, ticket_id: str, ticket: dict) -> dict:
        return self.call("update", id=ticket_id, json=ticket)

    def get_ticket(self, ticket_id: str) -> dict:
        return self.call("get", id=ticket_id)

    def add_message(self, ticket_id: str, message: dict) -> dict:
        return self.call("message", id=ticket_id, json=message)

    def upload(self, files) -> list[dict]:
        """The file objects (url, name, size, content_type) of the uploaded
        files: one multipart field each, named after the file."""
        parts = [(f.name, (f.name, f.data, f.content_type)) for f in files]
        return self.call("upload", body={"files": parts})

    def users(self, email: str = "") -> list[dict]:
        params = {"email": email} if email else None
        return self.call("users", params=params).get("data", [])

    def get_user(self, user_id: str) -> dict:
        return self.call("user", id=user_id)

    def events(self, *, since: str, cursor: str = "") -> dict:
        params = {
            "created_datetime[gte]": since,
            "order_by": "created_datetime:asc",
            "limit": 100,
        }
        if cursor:
            params["cursor"] = cursor
        return self.call("changes", params=params)
