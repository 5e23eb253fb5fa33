"""Saved-view services: one place that scopes, checks and writes saved views."""

import pytest
from django.core.exceptions import ValidationError

from helpdesk.lib.errors import NotFound, PermissionDenied
from helpdesk.models import Membership
from tests.factories import MembershipFactory, TeamFactory
from tickets import services
from tickets.models import SavedView

pytestmark = pytest.mark.django_db


def member(user) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(user=user)


def test_create_rename_share_and_delete(workspace, manager):
    actor = member(manager)
    view = services.saved_view_create(
        actor=actor, name="  Urgent ", filters={"priority": "5"}, is_pinned=True
    )
    assert (view.name, view.workspace, view.owner) == ("Urgent", workspace, manager)
    view = services.saved_view_rename(view=view, actor=actor, name="Very urgent")
    view = services.saved_view_share(view=view, actor=actor)
    view.refresh_from_db()
    assert (view.name, view.is_shared, view.filters) == (
        "Very urgent",
        True,
        {"priority": "5"},
    )
    services.saved_view_delete(view=view, actor=actor)
    assert not SavedView.objects.exists()


def test_replace_updates_the_members_view_of_the_same_name(workspace, agent):
    actor = member(agent)
    first = services.saved_view_create(actor=actor, name="Mine", filters={})
    again = services.saved_view_create(
        actor=actor, name="Mine", filters={"priority": "4"}, replace=True
    )
    assert again.pk == first.pk
    assert SavedView.objects.get().filters == {"priority": "4"}


def test_only_managers_share_and_only_owners_change_personal_views(
    workspace, agent, manager
):
    with pytest.raises(PermissionDenied):
        services.saved_view_create(actor=member(agent), name="All", is_shared=True)
    personal = services.saved_view_create(actor=member(agent), name="Mine")
    with pytest.raises(PermissionDenied):
        services.saved_view_rename(view=personal, actor=member(manager), name="x")
    with pytest.raises(PermissionDenied):
        services.saved_view_share(view=personal, actor=member(agent))
    shared = services.saved_view_create(
        actor=member(manager), name="Team", is_shared=True
    )
    with pytest.raises(PermissionDenied):
        services.saved_view_delete(view=shared, actor=member(agent))


def test_another_workspaces_ids_and_unknown_filters_are_refused(
    workspace, agent, other_workspace
):
    theirs = TeamFactory(workspace=other_workspace)
    actor = member(agent)
    with pytest.raises(ValidationError) as caught:
        services.saved_view_create(
            actor=actor, name="spy", filters={"team": str(theirs.pk)}
        )
    assert "filters.team" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.saved_view_create(actor=actor, name="x", filters={"nope": "1"})
    assert "filters" in caught.value.message_dict
    assert not SavedView.objects.exists()


def test_a_view_of_another_workspace_is_not_found(workspace, other_workspace, agent):
    outsider = MembershipFactory(workspace=other_workspace, role="admin")
    view = services.saved_view_create(actor=member(agent), name="Mine")
    with pytest.raises(NotFound):
        services.saved_view_delete(view=view, actor=outsider)


def test_a_name_over_100_characters_is_a_field_error(workspace, agent):
    with pytest.raises(ValidationError) as caught:
        services.saved_view_create(actor=member(agent), name="x" * 101)
    assert set(caught.value.message_dict) == {"name"}
