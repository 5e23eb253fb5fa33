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
