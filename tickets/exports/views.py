"""Manager pages under /w/<slug>/reports/: ticket export (streamed or background),
the background export's page and download, and ticket import with its template file.

The bulk bar's "Export CSV" (tickets.views) answers through `export_response` too,
so every export of the agent UI is the same file.
"""

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk import housekeeping
from helpdesk.lib.csv import escape_cell
from helpdesk.lib.errors import PermissionDenied as RoleDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from tickets import bulk, listing
from tickets.exports import exporter, importing, jobs
from tickets.exports.forms import ImportRowForm
from tickets.models import ExportJob
from tickets.selectors import ticket_list


def member_for(request, slug: str, action: str) -> Membership:
    """The user's membership in the URL's workspace (404 if none) allowed to do
    `action` (403 if the role may not): the check of every manager page under
    /w/<slug>/reports/ (these and tickets.reports.views)."""
    membership = membership_for_slug(request.user, slug)
    if not can(membership, action):
        raise PermissionDenied("Your role does not allow this.")
    return membership


# --- ticket export ---


def export_response(request, membership: Membership, params) -> HttpResponse:
    """The member's tickets matching `params` (the list's filters, or `numbers=`)
    as CSV: streamed, or for more than EXPORT_BACKGROUND_THRESHOLD rows a background
    export whose page the browser is sent to (JSON 202 for scripts and htmx).

    Raises ValidationError naming a bad filter. The caller checks the role.
    """
    queryset = exporter.filter_tickets(membership, params)
    if queryset.count() > exporter.background_threshold():
        job = jobs.export_job_start(membership=membership, params=params)
        url = reverse("reports:export_job", args=[membership.workspace.slug, job.pk])
        if request.headers.get("HX-Request") or "json" in request.headers.get(
            "Accept", ""
        ):
            return JsonResponse(_job_json(job), status=202, headers={"Location": url})
        return redirect(url)
    return exporter.streaming_csv_response(
        queryset, exporter.export_filename(membership.workspace.slug)
    )


def bulk_export(request, membership: Membership, *, filterset, refs) -> HttpResponse:
    """The bulk bar's "Export CSV": every ticket matching the list's `filterset`
    ("all matching"), else the selected `refs` (another workspace's refs are a
    ValidationError, as for every bulk action)."""
    if not can(membership, "ticket.export"):
        raise RoleDenied("Your role may not export tickets.")
    if filterset is not None:
        return export_response(request, membership, filterset.data)
    selected = bulk.select_by_refs(
        ticket_list(membership=membership).select_related(None).only("number"),
        refs,
        prefix=membership.workspace.ticket_prefix,
    )
    numbers = ",".join(str(ticket.number) for ticket in selected)
    return export_response(request, membership, {"numbers": [numbers]})


@login_required
@require_GET
def export_csv(request, slug: str):
    """The filtered (or selected, `numbers=`) tickets as CSV."""
    membership = member_for(request, slug, "ticket.export")
    try:
        return export_response(request, membership, request.GET)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)


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


def _job_json(job: ExportJob) -> dict:
    slug = job.workspace.slug
    return {
        "id": job.pk,
        "state": job.state,
        "percent": job.percent,
        "done_rows": job.done_rows,
        "total_rows": job.total_rows,
        "error": job.error,
        "download_url": reverse("reports:export_download", args=[slug, job.pk])
        if job.state == ExportJob.State.DONE
        else None,
    }


@login_required
@require_GET
def export_job(request, slug: str, pk: int):
    membership, job = _job_for(request, slug, pk)
    if "json" in request.headers.get("Accept", "") or request.GET.get("format") == (
        "json"
    ):
        return JsonResponse(_job_json(job))
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
    """Apply the stored file of the preview named by the POSTed token."""
    pending = request.session.get(PENDING_KEY) or {}
    if (
        pending.get("token") != request.POST["confirm"]
        or pending.get("workspace") != membership.workspace.pk
    ):
        messages.error(request, "That preview has expired; upload the file again.")
        return None
    with default_storage.open(pending["path"], "rb") as stored:
        stored.name = pending["name"]
        result = importing.ticket_import(
            membership=membership, upload=stored, dry_run=False
        )
    default_storage.delete(pending["path"])
    request.session.pop(PENDING_KEY, None)
    if result.written:
        messages.success(
            request,
            f"Imported: {result.count('create')} created, "
            f"{result.count('update')} updated, "
            f"{result.count('unchanged')} unchanged.",
        )
    return result


def _import_preview(request, membership: Membership, upload, context: dict):
    """Dry-run the upload; when it is clean, keep the file for the confirmation."""
    result = importing.ticket_import(membership=membership, upload=upload, dry_run=True)
    if result.ok:
        upload.seek(0)
        token = uuid.uuid4().hex
        path = default_storage.save(
            f"{housekeeping.IMPORT_PREVIEW_DIR}/{token}", ContentFile(upload.read())
        )
        request.session[PENDING_KEY] = {
            "token": token,
            "path": path,
            "name": upload.name,
            "workspace": membership.workspace.pk,
        }
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
        context["result"] = _import_confirm(request, membership)
        if context["result"] is None:
            return redirect("reports:import", slug)
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "Choose a CSV or XLSX file."
        else:
            context["result"] = _import_preview(request, membership, upload, context)
    status = 400 if context["result"] is not None and not context["result"].ok else 200
    return render(request, "reports/import.html", context, status=status)
