"""Comments both ways against the strict fakes: pulled with their visibility and
author (a member by e-mail, else the platform's name), pushed with their
visibility, never echoed, never in another workspace, and never delivered again
by our own channels."""

import pytest

from helpdesk.services import contact_upsert
from integrations import pull
from integrations.models import CommentLink, Connection, ExternalLink
from messaging.models import Channel, Delivery
from tests.factories import make_ticket
from tests.integrations.conftest import (
    comments_of,
    connect,
    drain_until_idle,
    platform_of,
)
from tickets import services
from tickets.models import Comment, Ticket


def _pull(connection):
    connection = Connection.objects.get(pk=connection.pk)
    if connection.platform == "gorgias" and not connection.pull_cursor:
        connection.pull_cursor = "2000-01-01T00:00:00+00:00"
    return pull.pull_connection(connection)


def _linked(workspace, fake, agent, **ticket):
    connection = connect(workspace, fake)
    made = make_ticket(
        workspace, agent, subject="Printer on fire", content="It smokes", **ticket
    )
    drain_until_idle()
    return connection, made, ExternalLink.objects.get(ticket=made)


def _remote_public_and_note(fake, remote_id):
    """A customer's public reply and an agent's (agent@acme.test) internal note,
    made on the platform, in each platform's own shape."""
    platform = platform_of(fake)
    if platform == "zendesk":
        fake.remote_comment(int(remote_id), "It still smokes", author_id=503)
        fake.remote_comment(int(remote_id), "Call them", public=False, author_id=501)
    elif platform == "gorgias":
        customer = {"id": 9, "email": "req@example.org", "name": "Req"}
        fake.remote_message(int(remote_id), "It still smokes", sender=customer)
        fake.remote_message(int(remote_id), "Call them", public=False)
    else:
        fake.remote_item("message", remote_id, "It still smokes", direction="in")
        fake.remote_item("note", remote_id, "Call them", user="u-701")


def _remote_ids(fake, remote_id) -> list[str]:
    """The platform's ids of the ticket's comments, oldest first."""
    platform = platform_of(fake)
    if platform == "zendesk":
        return [str(c["id"]) for c in fake.comments[int(remote_id)]]
    if platform == "gorgias":
        return [str(m["id"]) for m in fake.messages[int(remote_id)]]
    return [item["id"] for item in fake.timeline[remote_id]]


CUSTOMER_LABEL = {"zendesk": "Req", "gorgias": "Req", "kustomer": "Customer"}


def test_platform_comments_are_pulled_with_visibility_and_author(
    workspace, platform_fake, agent, sync_agent
):
    connection, ticket, link = _linked(workspace, platform_fake, agent)
    _remote_public_and_note(platform_fake, link.remote_id)

    assert _pull(connection)["updated"] == 1
    rows = list(
        Comment.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("body", "is_public", "author", "author_label")
    )
    platform = platform_of(platform_fake)
    assert rows == [
        ("It still smokes", True, None, CUSTOMER_LABEL[platform]),
        ("Call them", False, sync_agent.pk, "syncagent"),
    ]
    # The description we sent on create is known, not imported as a comment.
    assert CommentLink.objects.filter(connection=connection).count() == 3
    # Pulled again: nothing new.
    platform_fake.remote_edit(
        int(link.remote_id) if platform != "kustomer" else link.remote_id
    )
    _pull(connection)
    assert Comment.objects.filter(ticket=ticket).count() == 2


def test_push_then_pull_ends_with_one_comment_each_side(
    workspace, platform_fake, agent
):
    connection, ticket, link = _linked(workspace, platform_fake, agent)
    services.comment_add(ticket=ticket, actor=agent, body="On it", is_public=True)
    services.comment_add(ticket=ticket, actor=agent, body="Check the fuse")
    drain_until_idle()
    before = comments_of(platform_fake, link.remote_id)
    assert before.count("On it") == 1 and before.count("Check the fuse") == 1
    # The ids the platform gave them are remembered at once (before any pull).
    remembered = set(
        CommentLink.objects.filter(connection=connection).values_list(
            "remote_id", flat=True
        )
    )
    assert set(_remote_ids(platform_fake, link.remote_id)[-2:]) == remembered

    for _ in range(2):  # pull, then push what the pull produced, twice over
        _pull(connection)
        drain_until_idle()

    assert Comment.objects.filter(ticket=ticket).count() == 2
    assert comments_of(platform_fake, link.remote_id) == before
    pushed = CommentLink.objects.filter(connection=connection, pulled=False)
    assert pushed.exclude(comment=None).count() == 2


def test_a_pulled_comment_is_not_pushed_back(workspace, platform_fake, agent):
    connection, ticket, link = _linked(workspace, platform_fake, agent)
    _remote_public_and_note(platform_fake, link.remote_id)
    before = comments_of(platform_fake, link.remote_id)

    _pull(connection)
    drain_until_idle()
    _pull(connection)

    assert comments_of(platform_fake, link.remote_id) == before
    assert Comment.objects.filter(ticket=ticket).count() == 2


def test_a_pulled_comment_never_lands_in_another_workspace(
    workspace, other_workspace, zendesk, agent
):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    other = connect(other_workspace, zendesk)
    zendesk.remote_comment(int(link.remote_id), "For Acme only", author_id=503)

    # Both connections read the same account: each gets its own copy, in its
    # own workspace, on its own ticket.
    _pull(connection)
    _pull(other)

    assert list(
        Comment.objects.filter(body="For Acme only")
        .order_by("id")
        .values_list("ticket__workspace__slug", "ticket_id")
    ) == [
        ("acme", ticket.pk),
        ("globex", Ticket.objects.get(workspace=other_workspace).pk),
    ]
    assert (
        CommentLink.objects.filter(connection=other)
        .exclude(comment__ticket__workspace=other_workspace)
        .exclude(comment=None)
        .count()
        == 0
    )


def test_a_reply_pulled_from_the_platform_is_not_delivered_again(
    workspace, gorgias, agent
):
    """Gorgias leaves delivery of our replies to us, but a reply written on Gorgias
    went out from Gorgias: our e-mail channel must not send it a second time."""
    Channel.objects.create(workspace=workspace, kind="email", from_email="s@acme.test")
    customer = contact_upsert(workspace=workspace, email="req@example.org", name="R")
    connection, ticket, link = _linked(workspace, gorgias, agent, requester=customer)
    gorgias.remote_message(int(link.remote_id), "Answered on Gorgias")

    _pull(connection)
    assert Comment.objects.filter(body="Answered on Gorgias").exists()
    assert Delivery.objects.count() == 0

    services.comment_add(ticket=ticket, actor=agent, body="From here", is_public=True)
    assert Delivery.objects.count() == 1  # ours still is


@pytest.mark.parametrize("public", [True, False])
def test_comment_visibility_is_pushed(workspace, zendesk, agent, public):
    _, ticket, link = _linked(workspace, zendesk, agent)
    services.comment_add(ticket=ticket, actor=agent, body="Seen?", is_public=public)
    drain_until_idle()
    sent = zendesk.comments[int(link.remote_id)][-1]
    assert (sent["body"], sent["public"]) == ("Seen?", public)


def test_zendesk_comments_are_read_page_by_page(workspace, zendesk, agent):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    zendesk.comments_page = 2  # the description and three comments: two pages
    for body in ("one", "two", "three"):
        zendesk.remote_comment(int(link.remote_id), body, author_id=503)
    _pull(connection)
    bodies = Comment.objects.filter(ticket=ticket).order_by("id")
    assert list(bodies.values_list("body", flat=True)) == ["one", "two", "three"]
    pages = zendesk.requests_matching("GET", f"/tickets/{link.remote_id}/comments")
    assert [r["query"].get("page[after]") for r in pages] == [None, "2"]
