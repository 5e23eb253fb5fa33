"""Tickets over the API: every endpoint and verb, success and refusal."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import BASE, client_for
from tests.factories import ContactFactory, LabelFactory, TeamFactory, make_ticket
from tickets import conversations, services
from tickets.models import Conversation, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_create_ticket_returns_detail_with_ref_and_etag(api, workspace, agent):
    team = TeamFactory(workspace=workspace)
    response = api.post(
        f"{BASE}/tickets/",
        {
            "subject": "Refund please",
            "priority": 4,
            "team": team.pk,
            "assignee": agent.pk,
            "tags": ["VIP", "refund"],
            "question": "Can I get a refund?",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["ref"] == "TKT-1"
    assert body["source"] == "api"
    assert body["tags"] == ["refund", "vip"]
    assert body["team"]["name"] == team.name
    assert body["escalation"]["question"] == "Can I get a refund?"
    assert "resolved" in body["allowed_next_statuses"]
    assert response["ETag"] == '"1"'


def test_create_with_bad_input_answers_field_errors(api):
    response = api.post(
        f"{BASE}/tickets/", {"subject": "", "priority": 9}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"subject", "priority"}


def test_retrieve_accepts_every_ref_form(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    for ref in ("1", "%231", "TKT-1", "tkt-0001"):
        response = api.get(f"{BASE}/tickets/{ref}/")
        assert response.status_code == 200, ref
        assert response.json()["number"] == ticket.number
    assert api.get(f"{BASE}/tickets/XYZ-1/").status_code == 404
    assert api.get(f"{BASE}/tickets/99/").json()["code"] == "not_found"


def test_detail_shows_conversations_counts_requester_and_label(api, workspace, agent):
    contact = ContactFactory(workspace=workspace)
    parent = LabelFactory(workspace=workspace, name="Billing")
    label = LabelFactory(workspace=workspace, name="Refund", parent=parent)
    conversation = conversations.conversation_create(
        workspace=workspace,
        channel="web",
        messages=[
            {"author_kind": "contact", "body": "hi", "sent_at": timezone.now()},
        ],
    )
    ticket = make_ticket(
        workspace,
        agent,
        requester=contact,
        label=label,
        primary_conversation=conversation,
    )
    services.comment_add(ticket=ticket, actor=agent, body="note")
    body = api.get(f"{BASE}/tickets/{ticket.number}/").json()
    assert body["requester"]["email"] == contact.email
    assert body["label"]["path"] == "Billing > Refund"
    assert body["primary_conversation"]["id"] == conversation.pk
    assert body["counts"] == {"comments": 1, "events": 2, "conversations": 1}
    assert body["snoozed_until"] is None


def test_patch_requires_if_match(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    response = api.patch(
        f"{BASE}/tickets/{ticket.number}/", {"priority": 5}, format="json"
    )
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"


def test_patch_with_current_etag_edits_and_returns_new_etag(api, workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["old"])
    etag = api.get(f"{BASE}/tickets/{ticket.number}/")["ETag"]
    response = api.patch(
        f"{BASE}/tickets/{ticket.number}/",
        {"priority": 5, "subject": "Now urgent", "tags": ["new"]},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.data
    assert response.json()["priority"] == 5
    assert response.json()["tags"] == ["new"]
    assert response["ETag"] != etag
    stale = api.patch(
        f"{BASE}/tickets/{ticket.number}/",
        {"priority": 1},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"


def test_transition_with_comment_and_invalid_transition(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    url = f"{BASE}/tickets/{ticket.number}/transition/"
    response = api.post(url, {"status": "resolved", "comment": "Done"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert ticket.comments.get().body == "Done"
    refused = api.post(url, {"status": "waiting_on_contact"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"
    assert "Resolved" in refused.json()["message"]


def test_assign_and_unassign(api, workspace, agent, manager):
    ticket = make_ticket(workspace, agent)
    url = f"{BASE}/tickets/{ticket.number}/assign/"
    response = api.post(url, {"assignee": manager.pk}, format="json")
    assert response.json()["assignee"]["username"] == "manager"
    response = api.post(url, {"assignee": None}, format="json")
    assert response.json()["assignee"] is None


def test_snooze_and_unsnooze(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    until = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    response = api.post(
        f"{BASE}/tickets/{ticket.number}/snooze/", {"until": until}, format="json"
    )
    assert response.json()["is_snoozed"] is True
    past = api.post(
        f"{BASE}/tickets/{ticket.number}/snooze/",
        {"until": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert past.status_code == 400
    assert "until" in past.json()["errors"]
    response = api.post(f"{BASE}/tickets/{ticket.number}/unsnooze/")
    assert response.json()["is_snoozed"] is False


def test_comments_list_and_create_with_mentions(api, workspace, agent, manager):
    ticket = make_ticket(workspace, agent)
    url = f"{BASE}/tickets/{ticket.number}/comments/"
    response = api.post(
        url, {"body": "Ask @manager about it", "is_public": False}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["mentions"] == ["manager"]
    assert api.post(url, {"body": "  "}, format="json").status_code == 400
    listed = api.get(url).json()
    assert [c["body"] for c in listed["results"]] == ["Ask @manager about it"]


def test_public_comment_goes_to_the_primary_conversation(api, workspace, agent):
    conversation = conversations.conversation_create(workspace=workspace)
    ticket = make_ticket(workspace, agent, primary_conversation=conversation)
    api.post(
        f"{BASE}/tickets/{ticket.number}/comments/",
        {"body": "We refunded you", "is_public": True},
        format="json",
    )
    assert Message.objects.get(conversation=conversation).body == "We refunded you"


def test_events_and_history(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
    events = api.get(f"{BASE}/tickets/{ticket.number}/events/").json()["results"]
    assert [e["kind"] for e in events] == ["created", "priority_changed"]
    history = api.get(f"{BASE}/tickets/{ticket.number}/history/").json()
    assert history[0]["user"]["username"] == "agent"
    assert {"field": "priority", "old": 3, "new": 5} in history[0]["changes"]
    assert history[-1]["type"] == "+"


def test_delete_by_manager(manager_api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    response = manager_api.delete(f"{BASE}/tickets/{ticket.number}/")
    assert response.status_code == 204
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert TicketEvent.objects.filter(kind="deleted").exists()


def test_list_paginates_with_cursor_and_page_size(api, workspace, agent):
    for _ in range(5):
        make_ticket(workspace, agent)
    first = api.get(f"{BASE}/tickets/", {"page_size": 2, "ordering": "number"}).json()
    assert [t["number"] for t in first["results"]] == [1, 2]
    second = api.get(first["next"]).json()
    assert [t["number"] for t in second["results"]] == [3, 4]
    capped = api.get(f"{BASE}/tickets/", {"page_size": 10_000})
    assert capped.status_code == 200


def test_list_filters_and_search_over_http(api, workspace, agent):
    contact = ContactFactory(workspace=workspace, email="zed@example.net")
    make_ticket(workspace, agent, subject="Printer on fire", priority=5)
    make_ticket(workspace, agent, subject="Login broken", requester=contact)
    numbers = lambda **p: [  # noqa: E731
        t["number"] for t in api.get(f"{BASE}/tickets/", p).json()["results"]
    ]
    assert numbers(q="printer") == [1]
    assert numbers(q="zed@example.net") == [2]
    assert numbers(q="TKT-2") == [2]
    assert numbers(priority="5") == [1]
    bad = api.get(f"{BASE}/tickets/", {"status": "nope"})
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]


def test_search_pages_newest_first(api, workspace, agent):
    for _ in range(3):
        make_ticket(workspace, agent, subject="refund refund", content="refund")
    make_ticket(workspace, agent, subject="other", content="refund")
    first = api.get(f"{BASE}/tickets/", {"q": "refund", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    seen = [t["number"] for t in first["results"] + second["results"]]
    assert seen == [4, 3, 2, 1]


def test_stats_count_by_status_ignoring_the_status_filter(api, workspace, agent):
    make_ticket(workspace, agent, priority=5)
    done = make_ticket(workspace, agent, priority=5)
    services.ticket_complete(ticket=done, actor=agent)
    make_ticket(workspace, agent, priority=1)
    body = api.get(f"{BASE}/tickets/stats/", {"priority": "5", "status": "open"}).json()
    assert body["total"] == 2
    assert body["by_status"]["open"] == 1
    assert body["by_status"]["resolved"] == 1
    assert body["by_status"]["closed"] == 0


def test_bulk_by_refs_reports_applied_and_refused(api, workspace, agent):
    open_ticket = make_ticket(workspace, agent)
    closed = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=closed, to="closed", actor=agent)
    response = api.post(
        f"{BASE}/tickets/bulk/",
        {
            "action": "status",
            "tickets": [open_ticket.ref, str(closed.number)],
            "params": {"status": "in_progress"},
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 200
    assert [a["ref"] for a in body["applied"]] == ["TKT-1"]
    assert body["refused"][0]["ref"] == "TKT-2"
    assert "Closed" in body["refused"][0]["reason"]


@pytest.mark.parametrize(
    ("action", "params", "check"),
    [
        ("complete", {}, lambda t: t.status == "resolved"),
        ("priority", {"priority": 1}, lambda t: t.priority == 1),
        ("add_tags", {"tags": ["bulk"]}, lambda t: "bulk" in t.tag_names),
        ("remove_tags", {"tags": ["start"]}, lambda t: t.tag_names == []),
        ("assign", {"assignee": None}, lambda t: t.assignee_id is None),
        (
            "snooze",
            {"until": "2999-01-01T00:00:00Z"},
            lambda t: t.snoozed_until is not None,
        ),
    ],
)
def test_bulk_actions_by_filter(api, workspace, agent, action, params, check):
    for _ in range(3):
        make_ticket(workspace, agent, tags=["start"], priority=4)
    make_ticket(workspace, agent, priority=2)
    response = api.post(
        f"{BASE}/tickets/bulk/",
        {"action": action, "filters": {"priority": "4"}, "params": params},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.json()["applied_count"] == 3
    for ticket in Ticket.objects.filter(priority__in=[4, 1]).exclude(number=4):
        ticket.tag_names = [t.name for t in ticket.tags.all()]
        assert check(ticket)


def test_bulk_incomplete_reopens_resolved_tickets(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    services.ticket_complete(ticket=ticket, actor=agent)
    response = api.post(
        f"{BASE}/tickets/bulk/",
        {"action": "incomplete", "tickets": [ticket.number]},
        format="json",
    )
    assert response.json()["applied_count"] == 1
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_bulk_delete_needs_a_manager(api, manager_api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    payload = {"action": "delete", "tickets": [ticket.number]}
    assert api.post(f"{BASE}/tickets/bulk/", payload, format="json").status_code == 403
    response = manager_api.post(f"{BASE}/tickets/bulk/", payload, format="json")
    assert response.json()["applied_count"] == 1
    assert not Ticket.objects.exists()


def test_bulk_refuses_bad_requests_whole(api, workspace, agent):
    make_ticket(workspace, agent)
    url = f"{BASE}/tickets/bulk/"
    both = api.post(
        url, {"action": "complete", "tickets": [1], "filters": {}}, format="json"
    )
    assert both.status_code == 400
    unknown = api.post(url, {"action": "complete", "tickets": [7]}, format="json")
    assert unknown.status_code == 400
    assert "TKT-7" in unknown.json()["errors"]["tickets"][0]
    bad_priority = api.post(
        url,
        {"action": "priority", "tickets": [1], "params": {"priority": 8}},
        format="json",
    )
    assert "priority" in bad_priority.json()["errors"]


def test_conversations_list_and_detail_with_messages(api, workspace):
    conversation = conversations.conversation_create(
        workspace=workspace,
        channel="web",
        messages=[
            {"author_kind": "contact", "body": "hello", "sent_at": timezone.now()}
        ],
    )
    listed = api.get(f"{BASE}/conversations/").json()["results"]
    assert [c["id"] for c in listed] == [conversation.pk]
    detail = api.get(f"{BASE}/conversations/{conversation.pk}/").json()
    assert detail["messages"][0]["body"] == "hello"
    assert Conversation.objects.count() == 1


def test_tags_labels_teams_members(api, workspace, agent):
    make_ticket(workspace, agent, tags=["vip"])
    parent = LabelFactory(workspace=workspace, name="Billing")
    LabelFactory(workspace=workspace, name="Refund", parent=parent)
    TeamFactory(workspace=workspace, name="Tier 1")
    assert [t["name"] for t in api.get(f"{BASE}/tags/").json()] == ["vip"]
    paths = sorted(label["path"] for label in api.get(f"{BASE}/labels/").json())
    assert paths == ["Billing", "Billing > Refund"]
    assert [t["name"] for t in api.get(f"{BASE}/teams/").json()] == ["Tier 1"]
    members = api.get(f"{BASE}/members/").json()
    assert [(m["user"]["username"], m["role"]) for m in members] == [("agent", "agent")]


def test_saved_views_crud(api, workspace):
    created = api.post(
        f"{BASE}/views/",
        {"name": "Urgent", "filters": {"priority": "5"}, "is_pinned": True},
        format="json",
    )
    assert created.status_code == 201, created.data
    view_id = created.json()["id"]
    updated = api.patch(f"{BASE}/views/{view_id}/", {"position": 3}, format="json")
    assert updated.json()["position"] == 3
    assert [v["name"] for v in api.get(f"{BASE}/views/").json()] == ["Urgent"]
    bad = api.post(
        f"{BASE}/views/", {"name": "x", "filters": {"nope": "1"}}, format="json"
    )
    assert bad.status_code == 400
    assert api.delete(f"{BASE}/views/{view_id}/").status_code == 204


def test_personal_views_are_private_and_shared_views_need_a_manager(
    api, manager_api, workspace
):
    mine = api.post(f"{BASE}/views/", {"name": "Mine"}, format="json").json()
    assert manager_api.get(f"{BASE}/views/{mine['id']}/").status_code == 404
    refused = api.post(
        f"{BASE}/views/", {"name": "All", "is_shared": True}, format="json"
    )
    assert refused.status_code == 403
    shared = manager_api.post(
        f"{BASE}/views/", {"name": "Team", "is_shared": True}, format="json"
    ).json()
    assert api.get(f"{BASE}/views/{shared['id']}/").status_code == 200
    assert api.delete(f"{BASE}/views/{shared['id']}/").status_code == 403


def test_token_auth_and_api_token_command(workspace, agent, capsys):
    call_command("api_token", "agent")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=agent).key == key
    client = APIClient()
    assert client.get(f"{BASE}/tickets/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"{BASE}/tickets/").status_code == 200


def test_session_auth_needs_csrf(workspace, agent):
    client = APIClient(enforce_csrf_checks=True)
    # Reload: the factory's in-memory password hash was never saved, and the session
    # is tied to the stored one.
    client.force_login(type(agent).objects.get(pk=agent.pk))
    assert client.get(f"{BASE}/tickets/").status_code == 200
    response = client.post(f"{BASE}/tickets/", {"subject": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_schema_and_docs_are_served_without_a_cdn(workspace, agent):
    client = client_for(agent)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html


def test_bulk_snooze_with_an_impossible_date_is_a_field_error(api, workspace, agent):
    make_ticket(workspace, agent)
    response = api.post(
        f"{BASE}/tickets/bulk/",
        {"action": "snooze", "tickets": [1], "params": {"until": "2030-13-45T00:00Z"}},
        format="json",
    )
    assert response.status_code == 400
    assert "until" in response.json()["errors"]


def test_an_unrouted_api_url_answers_json_404(api):
    response = api.get("/api/v1/workspaces/acme/conversations/-1/messages/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patch_applies_fields_and_tags_in_one_history_row(api, workspace, agent):
    ticket = make_ticket(workspace, agent, tags=["old"])
    history = ticket.history.count()
    response = api.patch(
        f"{BASE}/tickets/{ticket.number}/",
        {"priority": 5, "subject": "Now urgent", "tags": ["New", "old"]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.data
    assert response["ETag"] == '"2"'
    assert ticket.history.count() == history + 1
    assert ticket.history.first().history_change_reason == (
        "changed priority, subject; tags +new"
    )
    assert set(ticket.events.values_list("kind", flat=True)) == {
        "created",
        "priority_changed",
        "metadata_updated",
        "tags_changed",
    }
