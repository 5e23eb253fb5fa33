"""HTTP answers of a ticket export for the agent UI's bulk bar and the reports page:
the one CSV file (tickets.exports.exporter) streamed, or, for more than
EXPORT_BACKGROUND_THRESHOLD rows, a background export (tickets.exports.jobs) whose
page the browser is sent to.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets import bulk
from tickets.exports import exporter, jobs
from tickets.models import ExportJob
from tickets.selectors import ticket_list


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
            return JsonResponse(job_json(job), status=202, headers={"Location": url})
        return redirect(url)
    return exporter.streaming_csv_response(
        queryset, exporter.export_filename(membership.workspace.slug)
    )


def bulk_export(request, membership: Membership, *, filterset, refs) -> HttpResponse:
    """The bulk bar's "Export CSV": every ticket matching the list's `filterset`
    ("all matching"), else the selected `refs` (another workspace's refs are a
    ValidationError, as for every bulk action)."""
    if not can(membership, "ticket.export"):
        raise PermissionDenied("Your role may not export tickets.")
    if filterset is not None:
        return export_response(request, membership, filterset.data)
    selected = bulk.select_by_refs(
        ticket_list(membership=membership).select_related(None).only("number"),
        refs,
        prefix=membership.workspace.ticket_prefix,
    )
    numbers = ",".join(str(ticket.number) for ticket in selected)
    return export_response(request, membership, {"numbers": [numbers]})


def job_json(job: ExportJob) -> dict:
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
