"""Per-workspace status names and colours: set in the settings, shown in the list,
the stats, the board, the panel and its timeline; the API's codes unchanged; bad
input refused naming the field; another workspace keeps its own names."""

import re

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, WorkspaceFactory, make_ticket
from tickets import services

URL = reverse("settings:statuses", args=["acme"])


def rename(client, **rows):
    data = {}
    for code in ("open", "in_progress", "waiting_on_contact", "resolved", "closed",
                 "archived"):  # fmt: skip
        name, colour = rows.get(code, ("", ""))
        data[f"{code}-name"], data[f"{code}-colour"] = name, colour
    return client.post(URL, data)


@pytest.mark.django_db
def test_a_renamed_status_shows_everywhere_and_the_api_keeps_its_code(
    client, manager, agent, workspace
):
    ticket = make_ticket(workspace, agent, subject="Renamed status")
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    client.force_login(manager)
    response = rename(client, in_progress=("Waiting on Agent", "orange"))
    assert response.status_code == 302

    page = client.get(reverse("tickets:index", args=["acme"])).content.decode()
    # The row's status menu, in the workspace's colour and name.
    assert 'class="inline-select badge orange"' in page
    assert '<option value="in_progress" selected>Waiting on Agent</option>' in page
    assert '<span class="stat-label">Waiting on Agent</span>' in page  # the stats
    board = client.get(
        reverse("tickets:index", args=["acme"]), {"view": "board"}
    ).content.decode()
    assert re.search(r'aria-label="Waiting on Agent"', board)
    panel = client.get(
        reverse("tickets:detail", args=["acme", ticket.number]),
        {"tab": "activity"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Open → Waiting on Agent" in panel

    api = client.get(f"/api/v1/workspaces/acme/tickets/{ticket.number}/")
    assert api.json()["status"] == "in_progress"


@pytest.mark.django_db
def test_bad_names_and_colours_are_refused_and_change_nothing(
    client, manager, workspace
):
    client.force_login(manager)
    response = rename(client, open=("x" * 41, "pink"), closed=("Open", ""))
    assert response.status_code == 422
    html = response.content.decode()
    assert "open.name: At most 40 characters." in html
    assert "open.colour: Choose one of blue, amber" in html
    workspace.refresh_from_db()
    assert "statuses" not in (workspace.settings or {})

    duplicate = rename(client, closed=("open", ""))  # same as Open, another case
    assert duplicate.status_code == 422
    assert "Two statuses may not share a name." in duplicate.content.decode()


@pytest.mark.django_db
def test_agents_may_not_and_other_workspaces_keep_their_names(
    client, agent, manager, workspace
):
    client.force_login(agent)
    assert rename(client, open=("Fresh", "")).status_code == 403
    client.force_login(manager)
    rename(client, open=("Fresh", ""))

    other = WorkspaceFactory(slug="globex")
    stranger = MembershipFactory(workspace=other, role="agent").user
    make_ticket(other, stranger, subject="Globex ticket")
    client.force_login(stranger)
    page = client.get(reverse("tickets:index", args=["globex"])).content.decode()
    assert 'class="inline-select badge blue"' in page
    assert '<option value="open" selected>Open</option>' in page
    assert "Fresh" not in page
