"""Manager reports under /w/<slug>/reports/: charts and CSV downloads.

Every view takes the workspace from the URL (a workspace the user does not belong to
answers 404, like one that does not exist) and asks helpdesk.permissions.can();
agents get 403. The old /reports/ URLs redirect to the member's workspace.
"""

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET

from helpdesk.lib.csv import escape_cell
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from sla.reports import sla_compliance
from tickets import listing
from tickets.exports.views import member_for
from tickets.reports import charts, queries

DEFAULT_DAYS = 30
# Every report of the page, in page order: the ticket reports, then the sla app's.
REPORTS = {**queries.REPORTS, "sla": sla_compliance}


def _period(request, membership: Membership) -> queries.Period:
    today = timezone.now().astimezone(membership.workspace.tz).date()
    start = parse_date(request.GET.get("start") or "") or today - timedelta(
        days=DEFAULT_DAYS - 1
    )
    end = parse_date(request.GET.get("end") or "") or today
    return queries.make_period(membership.workspace, start, end)


def _report_args(request, membership):
    try:
        period = _period(request, membership)
    except ValueError as exc:  # bad dates or range
        raise ValidationError(str(exc)) from None
    group_by = request.GET.get("group", "none")
    if group_by not in queries.GROUPINGS:
        raise ValidationError(f"Unknown grouping {group_by!r}.")
    return period, group_by


@login_required
@require_GET
def report_index(request, slug: str):
    membership = member_for(request, slug, "reports.view")
    try:
        period, group_by = _report_args(request, membership)
    except ValidationError as exc:
        return render(
            request,
            "reports/index.html",
            {
                **listing.page_shell(request, membership),
                "error": exc.messages[0],
                "sections": [],
            },
            status=400,
        )
    workspace = membership.workspace
    sections = []
    for build in REPORTS.values():
        report = build(workspace, period, group_by)
        sections.append({"report": report, "chart": charts.build(report)})
    query = request.GET.copy()
    query.setlist("start", [period.start.isoformat()])
    query.setlist("end", [period.end.isoformat()])
    query.setlist("group", [group_by])
    return render(
        request,
        "reports/index.html",
        {
            **listing.page_shell(request, membership),
            "period": period,
            "group_by": group_by,
            "groupings": [(k, v[0]) for k, v in queries.GROUPINGS.items()],
            "sections": sections,
            "query": query.urlencode(),
            "can_export": can(membership, "ticket.export"),
            "can_import": can(membership, "ticket.import"),
        },
    )


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return response


@login_required
@require_GET
def report_csv(request, slug: str, key: str):
    membership = member_for(request, slug, "reports.view")
    try:
        period, group_by = _report_args(request, membership)
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    if key not in REPORTS:
        raise Http404("No such report.")
    report = REPORTS[key](membership.workspace, period, group_by)
    filename = f"{key}-{period.start}-{period.end}-{group_by}.csv"
    return _csv_response(filename, report.columns, report.rows)


# --- the old /reports/ URLs (bookmarks) ---


@login_required
def legacy_redirect(request, rest: str = ""):
    """/reports/<rest>?workspace=<slug> (the URLs before reports moved under the
    workspace): to /w/<slug>/reports/<rest>, keeping the other parameters.

    A `workspace` the user is not a member of answers 404. Without one: the
    workspace the user last worked in, else their first one whose role may see
    reports; none answers 403 as the reports page would.
    """
    query = request.GET.copy()
    slug = query.pop("workspace", [""])[-1]
    if slug:  # not a member: 404, as under /w/<slug>/
        slug = membership_for_slug(request.user, slug).workspace.slug
    slug = slug or _default_slug(request)
    url = reverse("reports:index", args=[slug]) + rest
    return redirect(f"{url}?{query.urlencode()}" if query else url)


def _default_slug(request) -> str:
    memberships = [
        m
        for m in Membership.objects.filter(user=request.user)
        .select_related("workspace")
        .order_by("workspace__name")
        if can(m, "reports.view")
    ]
    if not memberships:
        raise PermissionDenied("Your role does not allow this.")
    last = request.session.get("workspace")
    chosen = next((m for m in memberships if m.workspace.slug == last), memberships[0])
    return chosen.workspace.slug
