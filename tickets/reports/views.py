"""Manager pages under /w/<slug>/reports/: reports with charts and CSV downloads,
ticket export (streamed or background, its page and download) and ticket import
(upload, preview, confirm; the template file).

Every view takes the workspace from the URL (a workspace the user does not belong to
answers 404, like one that does not exist) and asks helpdesk.permissions.can();
agents get 403. The old /reports/ URLs redirect to the member's workspace.
"""

import csv
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
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
from helpdesk.lib.csv import escape_cell
from helpdesk.lib.errors import PermissionDenied, invalid_body, validation_errors
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from sla.reports import sla_compliance
from tickets.exports import importing, responses
from tickets.exports.forms import ImportRowForm
from tickets.models import ExportJob, ImportPreview
from tickets.reports import charts, queries
from tickets.ui import listing

DEFAULT_DAYS = 30
# Every report of the page, in page order: the ticket reports, then the sla app's.
REPORTS = {**queries.REPORTS, "sla": sla_compliance}


def member_for(request, slug: str, action: str) -> Membership:
    """The user's membership in the URL's workspace (404 if none) allowed to do
    `action` (403 if the role may not): the check of every manager page under
    /w/<slug>/reports/."""
    membership = membership_for_slug(request.user, slug)
    if not can(membership, action):
        raise PermissionDenied("Your role does not allow this.")
    return membership


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


# --- ticket export ---


@login_required
@require_GET
def export_csv(request, slug: str):
    """The filtered (or selected, `numbers=`) tickets as CSV."""
    membership = member_for(request, slug, "ticket.export")
    try:
        return responses.export_response(request, membership, request.GET)
    except ValidationError as exc:
        return JsonResponse(invalid_body(validation_errors(exc)), status=400)


def _job_for(request, slug: str, pk: int) -> tuple[Membership, ExportJob]:
    membership = member_for(request, slug, "ticket.export")
    job = (
        ExportJob.objects.filter(
            pk=pk, workspace=membership.workspace, requested_by=request.user
        )
        .select_related("workspace")
        .first()
    )
    if job is None:
        raise Http404("No such export.")
    return membership, job


@login_required
@require_GET
def export_job(request, slug: str, pk: int):
    membership, job = _job_for(request, slug, pk)
    if "json" in request.headers.get("Accept", "") or request.GET.get("format") == (
        "json"
    ):
        return JsonResponse(responses.job_json(job))
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
def export_download(request, slug: str, pk: int):
    _membership, job = _job_for(request, slug, pk)
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
@require_GET
def import_template(request, slug: str):
    """A CSV to fill in: the columns the import reads, and one example row."""
    member_for(request, slug, "ticket.import")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tickets-template.csv"'
    writer = csv.writer(response)
    columns = importing.TEMPLATE_COLUMNS
    writer.writerow(columns)
    example = importing.TEMPLATE_EXAMPLE
    writer.writerow([escape_cell(example[name]) for name in columns])
    return response


def _import_confirm(request, membership: Membership):
    """Apply the stored file of the preview named by the POSTed token, once: the
    preview's row is locked, so a simultaneous confirmation waits and then gets
    the first one's answer. (the import's result or None, the answer's text or
    None when there is no such preview)."""
    with transaction.atomic():
        preview = (
            ImportPreview.objects.select_for_update()
            .filter(
                token=request.POST["confirm"][:32],
                workspace=membership.workspace,
                created_by=request.user,
            )
            .first()
        )
        if preview is None:
            return None, None
        result = None
        if preview.state == ImportPreview.State.PENDING:
            try:
                stored = default_storage.open(preview.path, "rb")
            except OSError:  # swept by housekeeping: the preview expired
                preview.delete()
                return None, None
            with stored:
                stored.name = preview.name
                result = importing.ticket_import(
                    membership=membership, upload=stored, dry_run=False
                )
            preview.outcome = (
                f"Imported: {result.count('create')} created, "
                f"{result.count('update')} updated, "
                f"{result.count('unchanged')} unchanged."
                if result.written
                else "The import was refused: the file no longer passes its checks."
            )
            preview.state = ImportPreview.State.DONE
            preview.save(update_fields=["outcome", "state"])
            transaction.on_commit(lambda: default_storage.delete(preview.path))
    request.session.pop(PENDING_KEY, None)
    return result, preview.outcome


def _import_preview(request, membership: Membership, upload, context: dict):
    """Dry-run the upload; when it is clean, keep the file for the confirmation."""
    result = importing.ticket_import(membership=membership, upload=upload, dry_run=True)
    if result.ok:
        upload.seek(0)
        token = uuid.uuid4().hex
        path = default_storage.save(
            f"{housekeeping.IMPORT_PREVIEW_DIR}/{token}", ContentFile(upload.read())
        )
        ImportPreview.objects.create(
            workspace=membership.workspace,
            created_by=request.user,
            token=token,
            path=path,
            name=upload.name[:255],
        )
        request.session[PENDING_KEY] = token
        context["token"] = token
    return result


@login_required
@require_http_methods(["GET", "POST"])
def import_tickets(request, slug: str):
    """Upload, preview (a dry run) and confirm; the confirmation applies the same
    stored file, so what was previewed is what is imported."""
    membership = member_for(request, slug, "ticket.import")
    context = {
        **listing.page_shell(request, membership),
        "result": None,
        "columns": ImportRowForm.column_help(),
        "ignored_columns": importing.IGNORED_COLUMNS,
    }
    if request.method == "POST" and request.POST.get("confirm"):
        result, outcome = _import_confirm(request, membership)
        if result is not None:
            context["result"] = result
        else:
            if outcome is None:
                outcome = "That preview has expired; upload the file again."
            messages.info(request, outcome)
            return redirect("reports:import", slug)
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "Choose a CSV or XLSX file."
        else:
            context["result"] = _import_preview(request, membership, upload, context)
    status = 400 if context["result"] is not None and not context["result"].ok else 200
    return render(request, "reports/import.html", context, status=status)


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
