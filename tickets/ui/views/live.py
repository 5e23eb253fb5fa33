"""Live updates: the agent pages poll `live` every POLL_SECONDS.

One idle poll costs the session, the membership and one index probe for the
workspace's newest TicketEvent id (the change marker: every ticket write records an
event). The answer's ETag is that marker plus who else has the open ticket open; an
unchanged one answers 304 with no body. A changed one answers the tickets that
changed since the page's marker (so an open panel reloads only when its ticket
did), the sidebar and bell counts, and the presence list. Why polling and not
WebSockets or SSE: docs/architecture.md, "Live updates".
"""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from tickets.models import TicketEvent
from tickets.ui import listing, presence
from tickets.ui.forms import LeaveForm, LiveForm
from tickets.ui.views.base import member_for

POLL_SECONDS = 3
CHANGED_LIMIT = 200  # past this many changed tickets the page reloads everything


def change_marker(workspace_id: int) -> int:
    """The workspace's newest event id (0 without any): one index probe."""
    newest = (
        TicketEvent.objects.filter(workspace_id=workspace_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return newest or 0


def _changed_numbers(workspace_id: int, since: int, marker: int) -> list[int] | None:
    """The numbers of the tickets with events after `since`; None when too many."""
    numbers = list(
        TicketEvent.objects.filter(
            workspace_id=workspace_id, id__gt=since, id__lte=marker
        )
        .order_by()
        .values_list("ticket_number", flat=True)
        .distinct()[: CHANGED_LIMIT + 1]
    )
    return None if len(numbers) > CHANGED_LIMIT else sorted(numbers)


def _etag(marker: int, others: list[dict]) -> str:
    who = hashlib.sha256(json.dumps(others, sort_keys=True).encode()).hexdigest()
    return f'"{marker}-{who[:16]}"'


@login_required
@require_GET
def live(request, slug: str):
    membership = member_for(request, slug)
    form = LiveForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    since, number = form.cleaned_data["since"], form.cleaned_data["ticket"]
    workspace_id = membership.workspace_id
    others = []
    if number is not None:
        state = form.cleaned_data["state"] or "viewing"
        page = form.cleaned_data["page"]
        presence.beat(workspace_id, number, request.user, state, page=page)
        others = presence.others(workspace_id, number, request.user)
    marker = change_marker(workspace_id)
    etag = _etag(marker, others)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = JsonResponse(_body(request, membership, since, marker, others))
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache, private"
    return response


@login_required
@require_POST
def live_leave(request, slug: str):
    """The page's beacon on leaving ticket `ticket`: the others' next poll no
    longer lists this agent there (204; 400 naming a bad ticket)."""
    membership = member_for(request, slug)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    presence.leave(
        membership.workspace_id,
        form.cleaned_data["ticket"],
        request.user,
        page=form.cleaned_data["page"],
    )
    return HttpResponse(status=204)


def _body(request, membership, since, marker, others) -> dict:
    body = {"marker": marker, "poll": POLL_SECONDS, "presence": others}
    if since is not None and since == marker:
        return body  # only who is here changed
    shell = listing.sidebar(request, membership)
    body["changed"] = (
        None
        if since is None
        else _changed_numbers(membership.workspace_id, since, marker)
    )
    body["counts"] = {name: str(n) for name, n in shell["counts"].items()}
    body["views"] = {str(v["view"].pk): str(v["count"]) for v in shell["pinned_views"]}
    return body
