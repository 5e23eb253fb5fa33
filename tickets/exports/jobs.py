"""Background exports: an export of more than `settings.EXPORT_BACKGROUND_THRESHOLD`
rows is written by a Celery task into an ExportJob's file (progress shown, download
link when done), in the one CSV format of tickets.exports.exporter.

The tasks are registered with Celery by tickets.apps (TicketsConfig.ready).
"""

import tempfile
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from helpdesk.models import Membership
from tickets.exports.exporter import (
    export_filename,
    filter_keys,
    filter_tickets,
    iter_csv_lines,
    values_of,
)
from tickets.models import ExportJob


def export_job_start(*, membership, params) -> ExportJob:
    """Record a background export of the member's filtered tickets and queue it.

    The task is queued when the transaction commits, so a rolled-back request queues
    nothing; if the broker is unreachable the job stays pending and
    `export_jobs_sweep` runs it later.
    """
    filters = {key: values_of(params, key) for key in filter_keys()}
    filters = {key: value for key, value in filters.items() if value}
    total = filter_tickets(membership, filters).count()
    job = ExportJob.objects.create(
        workspace=membership.workspace,
        requested_by=membership.user,
        filters=filters,
        total_rows=total,
    )

    # robust: a broker that is down is logged, not raised; the sweep picks it up.
    def queue_export() -> None:
        export_tickets_job.delay(job.pk)

    transaction.on_commit(queue_export, robust=True)
    return job


def export_job_run(job_id: int) -> None:
    """Write the job's CSV file, saving progress every chunk. Idempotent: a job that
    is already done or claimed by another worker is left alone."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.PENDING).update(
        state=ExportJob.State.RUNNING
    )
    if claimed != 1:
        return
    job = ExportJob.objects.select_related("workspace", "requested_by").get(pk=job_id)
    membership = Membership.objects.filter(
        workspace=job.workspace, user=job.requested_by
    ).first()
    try:
        if membership is None:
            raise PermissionError("The requester is no longer a member.")
        queryset = filter_tickets(membership, job.filters)

        done = 0

        def progress(count: int) -> None:
            nonlocal done
            done = count
            ExportJob.objects.filter(pk=job_id).update(done_rows=count)

        with tempfile.TemporaryFile() as buffer:
            for line in iter_csv_lines(queryset, on_progress=progress):
                buffer.write(line.encode("utf-8"))
            buffer.seek(0)
            job.file.save(export_filename(job.workspace.slug), File(buffer), save=False)
    except Exception as exc:  # noqa: BLE001 - a failed export is shown, not raised
        ExportJob.objects.filter(pk=job_id).update(
            state=ExportJob.State.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:1000],
            finished_at=timezone.now(),
        )
        return
    ExportJob.objects.filter(pk=job_id).update(
        state=ExportJob.State.DONE,
        file=job.file.name,
        done_rows=done,
        total_rows=done,
        finished_at=timezone.now(),
    )


@shared_task(name="tickets.export_tickets_job")
def export_tickets_job(job_id: int) -> None:
    export_job_run(job_id)


def export_jobs_sweep() -> int:
    """Run pending jobs whose task never arrived (broker down when queued); returns
    how many ran. Claiming in export_job_run keeps a doubled sweep harmless."""
    # seconds a job may wait for its own task before the sweep runs it
    cutoff = timezone.now() - timedelta(seconds=settings.EXPORT_STALE_PENDING_SECONDS)
    ids = list(
        ExportJob.objects.filter(
            state=ExportJob.State.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:10]
    )
    for job_id in ids:
        export_job_run(job_id)
    return len(ids)


@shared_task(name="tickets.export_jobs_sweep")
def export_jobs_sweep_task() -> int:
    return export_jobs_sweep()
