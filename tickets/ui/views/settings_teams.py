"""Settings: teams, their members (picked by name) and their routing method."""

from helpdesk import services
from helpdesk.models import Team
from tickets.ui.settings_forms import TeamForm
from tickets.ui.views.settings_base import EditableList, render_settings

ACTION = "rules.manage"


def _teams(membership):
    return (
        Team.objects.filter(workspace=membership.workspace)
        .prefetch_related("members")
        .order_by("name")
    )


def _page(request, membership, *, form=None, editing=None, status=200):
    return render_settings(
        request,
        membership,
        "settings/teams.html",
        {
            "teams": _teams(membership),
            "form": form or TeamForm(workspace=membership.workspace),
            "editing": editing,
        },
        status=status,
    )


def _initial(team: Team) -> dict:
    return {
        "name": team.name,
        "routing": team.routing,
        "members": [u.username for u in team.members.all()],
    }


TEAMS = EditableList(
    action=ACTION,
    url_name="settings:teams",
    what="team",
    form_class=TeamForm,
    rows=_teams,
    page=_page,
    initial=_initial,
    save=lambda request, membership, team, values: services.team_save(
        workspace=membership.workspace, actor=request.user, team=team, **values
    ),
    delete=lambda request, team: services.team_delete(team=team, actor=request.user),
)
team_list, team_edit, team_delete = TEAMS.views()
