"""Settings: the workspace's names and colours for the six statuses."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from tickets import services, workflow
from tickets.ui.views.settings_base import render_settings, settings_member

ACTION = "rules.manage"


def _rows(workspace, data=None) -> list[dict]:
    shown = workflow.status_display(workspace)
    rows = []
    for status in workflow.Status:
        name, colour = shown[status.value]
        if data is not None:
            name = data.get(f"{status.value}-name", "")
            colour = data.get(f"{status.value}-colour", "")
        rows.append(
            {
                "code": status.value,
                "default": status.label,
                "name": name if name != status.label else "",
                "colour": colour,
            }
        )
    return rows


@login_required
def status_names(request, slug: str):
    """GET the form; POST saves every row (a blank name keeps the default)."""
    membership = settings_member(request, slug, ACTION)
    workspace = membership.workspace
    errors, status = [], 200
    if request.method == "POST":
        shown = {
            code: {
                "name": request.POST.get(f"{code}-name", ""),
                "colour": request.POST.get(f"{code}-colour", ""),
            }
            for code in workflow.Status.values
        }
        try:
            services.statuses_rename(workspace=workspace, shown=shown)
        except ValidationError as exc:
            errors = [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
            status = 422
        else:
            return redirect("settings:statuses", slug=slug)
    rows = _rows(workspace, request.POST if errors else None)
    context = {"rows": rows, "colours": workflow.COLOURS, "errors": errors}
    return render_settings(
        request, membership, "settings/statuses.html", context, status=status
    )
