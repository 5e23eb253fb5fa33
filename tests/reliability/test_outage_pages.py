"""With the database down, every surface answers in its own shape: a styled page
without debug details for the UI (503), the shared JSON error body for the
webhooks and the API (503), never Django's bare 500.

Planted bug, watched failing, reverted: without `handler500` the page and the
webhook answered Django's bare "Server Error (500)".
"""

import uuid

import pytest
from django.db import connection

from tests.conftest import Client

pytestmark = pytest.mark.django_db(transaction=True)


def test_with_the_database_down_pages_and_webhooks_answer_503(workspace, agent):
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    database = connection.settings_dict
    port = database["PORT"]
    connection.close()
    database["PORT"] = "1"  # nothing listens there: every query fails to connect
    try:
        page = client.get("/w/acme/tickets/")
        hook = client.post(
            f"/integrations/webhooks/{uuid.uuid4()}/",
            data=b"{}",
            content_type="application/json",
        )
        api = client.get("/api/v1/workspaces/acme/tickets/")
    finally:
        connection.close()
        database["PORT"] = port

    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in page.content
    assert b'href="/static/helpdesk/app.css"' in page.content
    assert b"Traceback" not in page.content and b"OperationalError" not in page.content
    assert page["Retry-After"] == "5"
    for answer in (hook, api):
        assert answer.status_code == 503
        assert answer.json()["code"] == "database_unavailable"
