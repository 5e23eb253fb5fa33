"""Manager pages: reports with charts and CSV downloads, ticket export and import.

Every view picks the member's workspace (`?workspace=<slug>`, else the first one
the member may use for this) and asks helpdesk.permissions.can(); agents get 403.
"""

import csv
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk import housekeeping
from helpdesk.lib.errors import PermissionDenied, invalid_body, validation_errors
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets import charts, export, importing, reports
from tickets.models import ExportJob
from tickets.ui import listing

DEFAULT_DAYS = 30


def member_for(request, action: str) -> Membership:
    """The request's membership allowed to do `action`, or 403."""
    memberships = list(
        Membership.objects.filter(user=request.user).select_related("workspace", "user")
    )
    slug = request.GET.get("workspace") or request.POST.get("workspace")
    if slug:
        memberships = [m for m in memberships if m.workspace.slug == slug]
    allowed = [m for m in memberships if can(m, action)]
    if not allowed:
        raise PermissionDenied("Your role does not allow this.")
    return allowed[0]


def _period(request, membership: Membership) -> reports.Period:
    today = timezone.now().astimezone(membership.workspace.tz).date()
    start = parse_date(request.GET.get("start") or "") or today - timedelta(
        days=DEFAULT_DAYS - 1
    )
    end = parse_date(request.GET.get("end") or "") or today
    return reports.make_period(membership.workspace, start, end)


def _report_args(request, membership):
    try:
        period = _period(request, membership)
    except ValueError as exc:  # bad dates or range
        raise ValidationError(str(exc)) from None
    group_by = request.GET.get("group", "none")
    if group_by not in reports.GROUPINGS:
        raise ValidationError(f"Unknown grouping {group_by!r}.")
    return period, group_by


@login_required
@require_GET
def report_index(request):
    membership = member_for(request, "reports.view")
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
    for build in reports.REPORTS.values():
        report = build(workspace, period, group_by)
        sections.append({"report": report, "chart": charts.build(report)})
    query = request.GET.copy()
    query.setlist("workspace", [workspace.slug])
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
            "groupings": [(k, v[0]) for k, v in reports.GROUPINGS.items()],
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
        writer.writerow([export.escape_cell(cell) for cell in row])
    return response


@login_required
@require_GET
def report_csv(request, key: str):
    membership = member_for(request, "reports.view")
    try:
        period, group_by = _report_args(request, membership)
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    if key in reports.REPORTS:
        report = reports.REPORTS[key](membership.workspace, period, group_by)
    else:
        raise Http404("No such report.")
    filename = f"{key}-{period.start}-{period.end}-{group_by}.csv"
    return _csv_response(filename, report.columns, report.rows)


# --- ticket export ---


@login_required
@require_GET
def export_csv(request):
    """The filtered (or selected, `numbers=`) tickets as CSV: streamed, or for a
    large result a background export whose progress page is returned instead."""
    membership = member_for(request, "ticket.export")
    try:
        queryset = export.filter_tickets(membership, request.GET)
        total = queryset.count()
    except ValidationError as exc:
        return JsonResponse(invalid_body(validation_errors(exc)), status=400)
    if total > export.background_threshold():
        job = export.export_job_start(membership=membership, params=request.GET)
        url = reverse("reports:export_job", args=[job.pk])
        if request.headers.get("HX-Request") or "json" in request.headers.get(
            "Accept", ""
        ):
            return JsonResponse(_job_json(job), status=202, headers={"Location": url})
        return redirect(url)
    return export.streaming_csv_response(
        queryset, export.export_filename(membership.workspace.slug)
    )


def _job_for(request, pk: int) -> ExportJob:
    membership = member_for(request, "ticket.export")
    job = ExportJob.objects.filter(
        pk=pk, workspace=membership.workspace, requested_by=request.user
    ).first()
    if job is None:
        raise Http404("No such export.")
    return job


def _job_json(job: ExportJob) -> dict:
    return {
        "id": job.pk,
        "state": job.state,
        "percent": job.percent,
        "done_rows": job.done_rows,
        "total_rows": job.total_rows,
        "error": job.error,
        "download_url": reverse("reports:export_download", args=[job.pk])
        if job.state == ExportJob.State.DONE
        else None,
    }


@login_required
@require_GET
def export_job(request, pk: int):
    job = _job_for(request, pk)
    if "json" in request.headers.get("Accept", "") or request.GET.get("format") == (
        "json"
    ):
        return JsonResponse(_job_json(job))
    membership = member_for(request, "ticket.export")
    return render(
        request,
        "reports/export_job.html",
        {
            **listing.page_shell(request, membership),
            "job": job,
            "finished": job.state in {"done", "failed"},
        },
    )


@login_required
@require_GET
def export_download(request, pk: int):
    job = _job_for(request, pk)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404("The export is not ready.")
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type="text/csv",
    )


# --- ticket import ---

PENDING_KEY = "ticket_import_pending"


@login_required
@require_http_methods(["GET", "POST"])
def import_tickets(request):
    """Upload, preview (a dry run) and confirm; the confirmation applies the same
    stored file, so what was previewed is what is imported."""
    membership = member_for(request, "ticket.import")
    context = {**listing.page_shell(request, membership), "result": None}
    if request.method == "POST" and request.POST.get("confirm"):
        pending = request.session.get(PENDING_KEY) or {}
        if (
            pending.get("token") != request.POST["confirm"]
            or pending.get("workspace") != membership.workspace.pk
        ):
            messages.error(request, "That preview has expired; upload the file again.")
            return redirect(_import_url(membership))
        with default_storage.open(pending["path"], "rb") as stored:
            stored.name = pending["name"]
            result = importing.ticket_import(
                membership=membership, upload=stored, dry_run=False
            )
        default_storage.delete(pending["path"])
        request.session.pop(PENDING_KEY, None)
        context["result"] = result
        if result.written:
            messages.success(
                request,
                f"Imported: {result.count('create')} created, "
                f"{result.count('update')} updated, "
                f"{result.count('unchanged')} unchanged.",
            )
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "Choose a CSV or XLSX file."
        else:
            result = importing.ticket_import(
                membership=membership, upload=upload, dry_run=True
            )
            context["result"] = result
            if result.ok:
                upload.seek(0)
                token = uuid.uuid4().hex
                path = default_storage.save(
                    f"{housekeeping.IMPORT_PREVIEW_DIR}/{token}",
                    ContentFile(upload.read()),
                )
                request.session[PENDING_KEY] = {
                    "token": token,
                    "path": path,
                    "name": upload.name,
                    "workspace": membership.workspace.pk,
                }
                context["token"] = token
    status = 400 if context["result"] is not None and not context["result"].ok else 200
    return render(request, "reports/import.html", context, status=status)


def _import_url(membership: Membership) -> str:
    return f"{reverse('reports:import')}?workspace={membership.workspace.slug}"
