"""Jobs in a given state without running any worker (views, access)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tracker.jobs.models import ItemStatus, Job, JobStatus
from tracker.jobs.service import start_dossier_job
from tracker.jobs.tasks import archive_store


def finished_job(
    session: Session,
    *,
    requested_by_id: int,
    apprenticeship_ids: Sequence[int],
    archive_name: str | None = "dossiers-de-test",
    failures: Mapping[int, str] | None = None,
) -> Job:
    """A job as the workers leave it: each dossier done (a fake PDF path) or failed with
    the reason given, and for an archive a real zip in the archive store."""
    failures = failures or {}
    job = start_dossier_job(
        session,
        apprenticeship_ids=apprenticeship_ids,
        archive_name=archive_name,
        requested_by_id=requested_by_id,
    )
    now = datetime.now(UTC)
    for item in job.items:
        item.finished_at = now
        if item.apprenticeship_id in failures:
            item.status = ItemStatus.FAILED.value
            item.message = failures[item.apprenticeship_id]
        else:
            item.status = ItemStatus.DONE.value
            item.filename = f"dossier-{item.apprenticeship_id}.pdf"
            item.pdf_path = f"/nonexistent/{item.apprenticeship_id}.pdf"
    job.processed_count = job.total
    job.failed_count = len(failures)
    job.started_at = job.finished_at = now
    done = job.total > len(failures)
    job.status = (JobStatus.DONE if done else JobStatus.FAILED).value
    if archive_name is not None and done:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("dossier.pdf", b"%PDF-1.4\n%%EOF\n")
        job.result_name = archive_store().save(buffer.getvalue())
    session.flush()
    return job
