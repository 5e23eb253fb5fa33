"""Settings: teams, their members (picked by name) and their routing method."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from helpdesk import services
from helpdesk.models import Team
from tickets.ui.settings_forms import TeamForm, add_service_errors
from tickets.ui.views.settings_base import render_settings, settings_member

ACTION = "rules.manage"


def _teams(membership):
    return (
        Team.objects.filter(workspace=membership.workspace)
        .prefetch_related("members")
        .order_by("name")
    )


def _team(membership, pk: int) -> Team:
    team = _teams(membership).filter(pk=pk).first()
    if team is None:
        raise Http404("No such team.")
    return team


def _page(request, membership, *, form=None, team=None, status=200):
    return render_settings(
        request,
        membership,
        "settings/teams.html",
        {
            "teams": _teams(membership),
            "form": form or TeamForm(workspace=membership.workspace),
            "editing": team,
        },
        status=status,
    )


def _save(request, membership, team):
    form = TeamForm(request.POST, workspace=membership.workspace)
    if form.is_valid():
        try:
            services.team_save(
                workspace=membership.workspace,
                actor=request.user,
                team=team,
                **form.cleaned_data,
            )
            return redirect("settings:teams", membership.workspace.slug)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _page(request, membership, form=form, team=team, status=422)


@login_required
def team_list(request, slug: str):
    membership = settings_member(request, slug, ACTION)
    if request.method == "POST":
        return _save(request, membership, None)
    return _page(request, membership)


@login_required
def team_edit(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    team = _team(membership, pk)
    if request.method == "POST":
        return _save(request, membership, team)
    initial = {
        "name": team.name,
        "routing": team.routing,
        "members": [u.username for u in team.members.all()],
    }
    form = TeamForm(initial=initial, workspace=membership.workspace)
    return _page(request, membership, form=form, team=team)


@login_required
@require_POST
def team_delete(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    services.team_delete(team=_team(membership, pk), actor=request.user)
    return redirect("settings:teams", slug)
