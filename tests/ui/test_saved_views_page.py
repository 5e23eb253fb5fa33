"""The saved views page: rename, pin, share, reorder, delete; what a member may not
change is refused (404) and leaves the view as it was; the open view is highlighted."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MembershipFactory, WorkspaceFactory
from tickets.models import SavedView

MANAGE = reverse("tickets:views_manage", args=["acme"])


def edit_url(view):
    return reverse("tickets:view_edit", args=["acme", view.pk])


def make_views(workspace, owner, names, pinned=True, **extra):
    return [
        SavedView.objects.create(
            workspace=workspace,
            owner=owner,
            name=name,
            filters={"priority": str(i + 1)},
            is_pinned=pinned,
            position=i,
            **extra,
        )
        for i, name in enumerate(names)
    ]


def sidebar_order(client) -> list[str]:
    html = client.get(reverse("tickets:index", args=["acme"])).content.decode()
    return re.findall(r'data-view="([^"]+)"', html)


@pytest.mark.django_db
def test_rename_unpin_and_reorder(client, workspace, agent):
    first, second, third = make_views(workspace, agent, ["Alpha", "Beta", "Gamma"])
    client.force_login(agent)

    response = client.post(edit_url(second), {"name": "Billing VIPs", "is_pinned": ""})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.name, second.is_pinned) == ("Billing VIPs", False)
    assert sidebar_order(client) == ["Alpha", "Gamma"]

    # Moves follow the page's order, unpinned views included: Gamma passes the
    # unpinned Beta, then Alpha; once first it stays first.
    client.post(edit_url(third), {"move": "up"})
    assert sidebar_order(client) == ["Alpha", "Gamma"]
    client.post(edit_url(third), {"move": "up"})
    assert sidebar_order(client) == ["Gamma", "Alpha"]
    client.post(edit_url(third), {"move": "up"})
    assert sidebar_order(client) == ["Gamma", "Alpha"]
    assert list(
        SavedView.objects.order_by("position").values_list("name", flat=True)
    ) == ["Gamma", "Alpha", "Billing VIPs"]


@pytest.mark.django_db
def test_delete_from_the_page_comes_back_to_it(client, workspace, agent):
    [view] = make_views(workspace, agent, ["Old"])
    client.force_login(agent)
    response = client.post(
        reverse("tickets:view_delete", args=["acme", view.pk]), {"next": "manage"}
    )
    assert response.status_code == 302 and response["Location"] == MANAGE
    assert not SavedView.objects.filter(pk=view.pk).exists()


@pytest.mark.django_db
def test_an_empty_name_is_refused_and_changes_nothing(client, workspace, agent):
    [view] = make_views(workspace, agent, ["Keep me"])
    client.force_login(agent)
    response = client.post(edit_url(view), {"name": "  ", "is_pinned": "on"})
    assert response.status_code == 422
    assert "Give the view a name." in response.content.decode()
    view.refresh_from_db()
    assert view.name == "Keep me"


@pytest.mark.django_db
def test_an_agent_may_not_change_a_colleagues_shared_view(
    client, workspace, agent, manager
):
    [shared] = make_views(workspace, manager, ["Team view"], is_shared=True)
    client.force_login(agent)
    response = client.post(edit_url(shared), {"name": "Mine now", "is_pinned": "on"})
    assert response.status_code == 404
    shared.refresh_from_db()
    assert shared.name == "Team view"
    assert "Mine now" not in client.get(MANAGE).content.decode()


@pytest.mark.django_db
def test_another_workspaces_view_is_not_found(client, agent):
    other = WorkspaceFactory(slug="globex")
    stranger = MembershipFactory(workspace=other, role="admin").user
    [theirs] = make_views(other, stranger, ["Globex secret"])
    client.force_login(agent)
    assert client.post(edit_url(theirs), {"name": "x"}).status_code == 404
    assert "Globex secret" not in client.get(MANAGE).content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "Globex secret"


@pytest.mark.django_db
def test_the_open_view_is_highlighted(client, workspace, agent):
    make_views(workspace, agent, ["Lowest", "Low"])
    client.force_login(agent)
    url = reverse("tickets:index", args=["acme"]) + "?priority=2"
    html = client.get(url).content.decode()
    assert 'class="saved-view current" data-view="Low"' in html
    assert 'class="saved-view " data-view="Lowest"' in html


# Session, user, membership, the shell (memberships, sidebar counts, the pinned
# view's count) and the page's views with their owners.
PINNED_MANAGE = 8


@pytest.mark.django_db
def test_the_page_costs_the_same_for_1_and_20_views(client, workspace, agent):
    client.force_login(agent)
    make_views(workspace, agent, ["One"])
    client.get(MANAGE)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(MANAGE).status_code == 200
        return len(ctx.captured_queries)

    at_1 = count()
    # Unpinned: the sidebar counts each pinned view (one query each), the page's
    # own rows cost nothing more per view.
    make_views(workspace, agent, [f"View {i}" for i in range(19)], pinned=False)
    assert (at_1, count()) == (PINNED_MANAGE, PINNED_MANAGE)
