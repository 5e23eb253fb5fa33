"""A webhook never reads the platform's comments itself: it applies the change,
answers, and queues the read (integrations.tasks.pull_comments) for when its
transaction commits. The queued read imports each remote comment once, is
retried while the platform fails, and when it gives up leaves the change to the
next pull, which reads the comments then."""

import json

import pytest

from integrations import pull, tasks
from integrations.models import Connection, ExternalLink
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
from tests.integrations.signing import zendesk_event, zendesk_headers
from tickets.models import Comment

pytestmark = pytest.mark.django_db


def _linked(workspace, zendesk, agent):
    connection = connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    return connection, ticket, ExternalLink.objects.get(ticket=ticket)


def _post(client, connection, zendesk, link, ticket, event_id):
    remote = dict(zendesk.tickets[int(link.remote_id)])
    body = zendesk_event(event_id, remote, external_id=ticket.ref)
    url = f"/api/v1/workspaces/acme/integrations/webhooks/{connection.uuid}/"
    return client.post(
        url, data=body, content_type="application/json", **zendesk_headers(body)
    )


def _tries(fake, path: str) -> int:
    """Requests the fake received for `path`, answered or failed."""
    return sum(m == "GET" and p.endswith(path) for _t, m, p in fake.log)


def _bodies(ticket) -> list[str]:
    return list(Comment.objects.filter(ticket=ticket).values_list("body", flat=True))


def test_a_webhook_queues_the_comment_read_and_the_queue_imports_it_once(
    client, workspace, zendesk, agent, django_capture_on_commit_callbacks
):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    zendesk.remote_comment(int(link.remote_id), "Via webhook", author_id=503)
    comments_path = f"/tickets/{link.remote_id}/comments"

    with django_capture_on_commit_callbacks() as queued:
        answer = _post(client, connection, zendesk, link, ticket, "c-1")

    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content)["status"] == "unchanged"
    assert _tries(zendesk, comments_path) == 0  # not read in the request
    assert _bodies(ticket) == []
    assert len(queued) == 1

    # The worker runs the queued read; a redelivered task adds nothing twice.
    for _run in range(2):
        tasks.pull_comments.apply(args=(connection.pk, link.remote_id))
    assert _bodies(ticket) == ["Via webhook"]
    assert _tries(zendesk, comments_path) == 2


def test_the_queued_read_is_retried_while_the_platform_fails(
    client, workspace, zendesk, agent
):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    zendesk.remote_comment(int(link.remote_id), "After the outage", author_id=503)
    comments_path = f"/tickets/{link.remote_id}/comments"
    zendesk.fail(503, times=2, on=f"GET {comments_path}")

    tasks.pull_comments.apply(args=(connection.pk, link.remote_id))

    assert _tries(zendesk, comments_path) == 3  # 2 answered 503, then read
    assert _bodies(ticket) == ["After the outage"]


def test_a_platform_outage_fails_no_webhook_and_the_next_pull_brings_the_comment(
    client, workspace, zendesk, agent, django_capture_on_commit_callbacks
):
    """The platform is down for longer than the queue retries: the webhook
    still answered 200 with its change applied; the read gives up, the link
    forgets the change's time, and the next pull lists it again with the
    comment."""
    connection, ticket, link = _linked(workspace, zendesk, agent)
    zendesk.remote_comment(int(link.remote_id), "Via webhook", author_id=503)
    zendesk.tickets[int(link.remote_id)]["priority"] = "high"
    comments_path = f"/tickets/{link.remote_id}/comments"
    zendesk.fail(503, times=tasks.COMMENT_READ_RETRIES + 1, on=f"GET {comments_path}")

    with django_capture_on_commit_callbacks():
        answer = _post(client, connection, zendesk, link, ticket, "c-2")
    assert answer.status_code == 200, answer.content
    ticket.refresh_from_db()
    assert ticket.priority == 4  # Zendesk "high"

    tasks.pull_comments.apply(args=(connection.pk, link.remote_id))
    assert _tries(zendesk, comments_path) == 7  # the first try and 6 retries
    assert _bodies(ticket) == []
    assert ExternalLink.objects.get(pk=link.pk).remote_updated_at is None

    pull.pull_connection(Connection.objects.get(pk=connection.pk))
    assert _bodies(ticket) == ["Via webhook"]
