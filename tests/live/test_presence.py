"""Presence: who else has the ticket open, kept in the cache with a short TTL."""

from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory
from tickets.ui import presence


def test_others_see_each_other_until_the_heartbeat_expires(db, workspace):
    olivia = UserFactory(username="olivia", first_name="Olivia", last_name="Ops")
    sam = UserFactory(username="sam", first_name="", last_name="")
    presence.beat(workspace.pk, 7, olivia, "replying", now=1000.0)
    presence.beat(workspace.pk, 7, sam, "viewing", now=1003.0)
    assert presence.others(workspace.pk, 7, sam, now=1005.0) == [
        {"name": "Olivia Ops", "state": "replying"}
    ]
    assert presence.others(workspace.pk, 7, olivia, now=1005.0) == [
        {"name": "sam", "state": "viewing"}
    ]
    # Olivia's last heartbeat was at 1000; TTL is 10 s.
    assert presence.others(workspace.pk, 7, sam, now=1009.9) != []
    assert presence.others(workspace.pk, 7, sam, now=1010.0) == []
    assert presence.others(workspace.pk, 8, sam, now=1005.0) == []  # other ticket


def test_presence_is_per_workspace(db, workspace, other_workspace):
    olivia = UserFactory(username="olivia")
    sam = UserFactory(username="sam")
    presence.beat(workspace.pk, 1, olivia, "viewing", now=50.0)
    assert presence.others(other_workspace.pk, 1, sam, now=51.0) == []


def test_the_poll_reports_presence_and_changes_etag(client, workspace):
    olivia = MembershipFactory(
        workspace=workspace, user__username="olivia", user__first_name="Olivia"
    ).user
    sam = MembershipFactory(workspace=workspace, user__username="sam").user
    url = reverse("tickets:live", args=["acme"])
    client.force_login(sam)
    alone = client.get(url, {"ticket": 3})
    assert alone.json()["presence"] == []
    marker = alone.json()["marker"]

    client.force_login(olivia)
    client.get(url, {"ticket": 3, "state": "replying"})
    client.force_login(sam)
    seen = client.get(
        url, {"ticket": 3, "since": marker}, HTTP_IF_NONE_MATCH=alone["ETag"]
    )
    assert seen.status_code == 200
    assert seen.json()["presence"][0]["state"] == "replying"
    assert seen.json()["presence"][0]["name"].startswith("Olivia")
    assert "counts" not in seen.json()  # only presence changed: no count queries


def test_leave_drops_only_that_agent_at_once(db, workspace):
    olivia = MembershipFactory(workspace=workspace, user__first_name="Olivia").user
    sam = MembershipFactory(workspace=workspace, user__first_name="Sam").user
    kim = MembershipFactory(workspace=workspace, user__first_name="Kim").user
    presence.beat(workspace.pk, 7, olivia, "viewing", now=1000.0)
    presence.beat(workspace.pk, 7, sam, "replying", now=1001.0)
    presence.leave(workspace.pk, 7, olivia, now=1002.0)
    assert presence.others(workspace.pk, 7, kim, now=1002.0) == [
        {"name": sam.get_full_name(), "state": "replying"}
    ]
    presence.leave(workspace.pk, 7, olivia, now=1002.0)  # twice: nothing to drop
    presence.leave(workspace.pk, 7, sam, now=1003.0)
    assert presence.others(workspace.pk, 7, kim, now=1003.0) == []


def test_the_leave_beacon_clears_presence_for_the_next_poll(client, workspace):
    olivia = MembershipFactory(workspace=workspace, user__first_name="Olivia").user
    sam = MembershipFactory(workspace=workspace, user__username="sam").user
    url = reverse("tickets:live", args=["acme"])
    leave = reverse("tickets:live_leave", args=["acme"])
    client.force_login(olivia)
    client.get(url, {"ticket": 3})
    client.force_login(sam)
    assert client.get(url, {"ticket": 3}).json()["presence"] != []

    client.force_login(olivia)
    assert client.post(leave, {"ticket": 3}).status_code == 204

    client.force_login(sam)
    assert client.get(url, {"ticket": 3}).json()["presence"] == []


def test_a_bad_leave_beacon_is_refused_and_changes_nothing(
    client, workspace, other_workspace
):
    olivia = MembershipFactory(workspace=workspace, user__first_name="Olivia").user
    sam = MembershipFactory(workspace=workspace, user__username="sam").user
    leave = reverse("tickets:live_leave", args=["acme"])
    presence.beat(workspace.pk, 3, olivia, "viewing")
    client.force_login(olivia)
    for data in ({}, {"ticket": "abc"}, {"ticket": "0"}, {"ticket": "9" * 20}):
        response = client.post(leave, data)
        assert response.status_code == 400
        assert "ticket" in response.json()["errors"]
    assert client.get(leave).status_code == 405
    foreign = reverse("tickets:live_leave", args=[other_workspace.slug])
    assert client.post(foreign, {"ticket": 3}).status_code == 404
    assert [p["name"] for p in presence.others(workspace.pk, 3, sam)] == ["Olivia"]


def test_a_late_heartbeat_of_the_left_page_does_not_bring_it_back(db, workspace):
    """The beacon raced the page's last poll: that poll's beat arrives after the
    leave and is ignored; a new page of the same agent is seen again."""
    olivia = UserFactory(first_name="Olivia")
    alex = UserFactory(first_name="Alex")
    presence.beat(workspace.pk, 7, olivia, "viewing", page="page1")
    presence.leave(workspace.pk, 7, olivia, page="page1")
    presence.beat(workspace.pk, 7, olivia, "viewing", page="page1")  # in flight
    assert presence.others(workspace.pk, 7, alex) == []

    presence.beat(workspace.pk, 7, olivia, "viewing", page="page2")  # reloaded
    assert presence.others(workspace.pk, 7, alex) == [
        {"name": "Olivia", "state": "viewing"}
    ]
