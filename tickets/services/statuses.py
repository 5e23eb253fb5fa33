"""The workspace's own names and colours for the six statuses (rename In Progress to
"Waiting on Agent", say). Only what people read changes: codes, transitions and the
API stay as they are."""

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.models import Workspace
from tickets import workflow


def statuses_rename(*, workspace: Workspace, shown: dict[str, dict]) -> Workspace:
    """Store {status: {"name", "colour"}} for the statuses given; a blank name or
    the default colour falls back to the default. ValidationError names the field."""
    errors = {}
    custom = {}
    for code, values in shown.items():
        if code not in workflow.Status.values:
            errors[code] = [f"Unknown status {code!r}."]
            continue
        name = str(values.get("name") or "").strip()
        colour = values.get("colour") or ""
        if len(name) > workflow.STATUS_NAME_MAX_LENGTH:
            errors[f"{code}.name"] = [
                f"At most {workflow.STATUS_NAME_MAX_LENGTH} characters."
            ]
        if colour and colour not in workflow.COLOURS:
            errors[f"{code}.colour"] = [f"Choose one of {', '.join(workflow.COLOURS)}."]
        custom[code] = {"name": name, "colour": colour}
    names = [v["name"] or workflow.label(c) for c, v in custom.items()]
    if len(set(map(str.casefold, names))) < len(names):
        errors["name"] = ["Two statuses may not share a name."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
        workspace.settings = {**(workspace.settings or {}), "statuses": custom}
        workspace.save(update_fields=["settings"])
    return workspace
