"""A per-process memo of workspace configuration that hot paths read on every
write (escalation rules, SLA policies), valid while the workspace's
`config_version` is unchanged.

Apps `track` the models their cached values are built from: any save or delete of
one gives the workspace a new version (in the writer's transaction, so other
processes see it when it commits) and drops this process's entries at once. A
reader passes the Workspace row it has loaded (a request loads it with the
membership), so a cached value is at most as old as that row.
"""

import random
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_delete, post_save

from helpdesk.models import Workspace

MAX_ENTRIES = 1024

_memo: OrderedDict[tuple[int, str], tuple[int, Any]] = OrderedDict()


def cached(workspace: Workspace, name: str, load: Callable[[], Any]) -> Any:
    """`load()`, or what it returned for this workspace at its current version."""
    key = (workspace.pk, name)
    hit = _memo.get(key)
    if hit is not None and hit[0] == workspace.config_version:
        _memo.move_to_end(key)
        return hit[1]
    value = load()
    _memo[key] = (workspace.config_version, value)
    if len(_memo) > MAX_ENTRIES:
        _memo.popitem(last=False)
    return value


def forget(workspace_id: int) -> None:
    for key in [key for key in _memo if key[0] == workspace_id]:
        _memo.pop(key, None)


def bump(workspace_id: int | None) -> None:
    """Give the workspace a new config version and forget its cached values."""
    if workspace_id is None:
        return
    Workspace.objects.filter(pk=workspace_id).update(
        config_version=random.getrandbits(62)  # noqa: S311 (not a secret)
    )
    forget(workspace_id)


def track(model, workspace_of: Callable[[Any], int | None]) -> None:
    """Bump the workspace of every saved or deleted `model` row."""

    def changed(sender, instance, **kwargs):
        if not kwargs.get("raw"):
            bump(workspace_of(instance))

    uid = f"config_cache:{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":del")


def _workspace_created(sender, instance, created, **kwargs):
    # SQLite may hand a rolled-back workspace's id to a new one.
    if created:
        forget(instance.pk)


post_save.connect(_workspace_created, sender=Workspace, dispatch_uid="config_cache")
