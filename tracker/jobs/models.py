"""A background job and its items: one dossier per item.

``jobs`` holds what the progress page reads in one row: the status, the number of items
processed and failed (counters moved by atomic ``UPDATE ... SET n = n + 1`` by whichever
worker finished an item, on whatever machine), the stored zip once done. ``job_items``
holds each dossier's outcome: the PDF rendered (path and download name) or, for a failed
one, the French reason shown to the requester (the traceback goes to the worker's log).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import Base, UTCDateTime, utcnow


class JobKind(StrEnum):
    DOSSIERS = "dossiers"  # jury dossiers, in the cache only or as one zip


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ItemStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


FINISHED = (JobStatus.DONE, JobStatus.FAILED)


def _in(values: object) -> str:
    return ", ".join(f"'{value}'" for value in values)  # type: ignore[attr-defined]


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(JobKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({_in(JobStatus)})", name="status_known"),
        CheckConstraint("total > 0", name="total_positive"),
        CheckConstraint("processed_count BETWEEN 0 AND total", name="processed_in_range"),
        CheckConstraint("failed_count BETWEEN 0 AND processed_count", name="failed_in_range"),
        CheckConstraint(
            "(status IN ('done', 'failed')) = (finished_at IS NOT NULL)", name="finished_when_over"
        ),
        CheckConstraint("result_name IS NULL OR status = 'done'", name="result_when_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=JobKind.DOSSIERS.value)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value)
    # The zip's download name without ".zip"; None: the dossiers go to the cache only.
    archive_name: Mapped[str | None] = mapped_column(String(120))
    total: Mapped[int]
    processed_count: Mapped[int] = mapped_column(default=0)  # done or failed
    failed_count: Mapped[int] = mapped_column(default=0)
    # The zip under <upload root>/jobs, named by the store (32 hexadecimal characters).
    result_name: Mapped[str | None] = mapped_column(String(64))
    # Why the job as a whole failed or is incomplete (French), beyond its items' reasons.
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Last progress: any worker's latest item (a job long without progress is stuck).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    requested_by: Mapped[User] = relationship(User)
    items: Mapped[list[JobItem]] = relationship(
        back_populates="job", order_by="JobItem.position", cascade="all, delete-orphan"
    )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class JobItem(Base):
    __tablename__ = "job_items"
    __table_args__ = (
        UniqueConstraint("job_id", "position"),
        CheckConstraint(f"status IN ({_in(ItemStatus)})", name="status_known"),
        CheckConstraint("(status = 'failed') = (message <> '')", name="message_when_failed"),
        CheckConstraint("(status = 'done') = (pdf_path <> '')", name="pdf_when_done"),
        CheckConstraint("(status = 'pending') = (finished_at IS NULL)", name="finished_when_over"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=ItemStatus.PENDING.value)
    message: Mapped[str] = mapped_column(Text, default="")  # French, for a failed item
    filename: Mapped[str] = mapped_column(String(255), default="")  # its name in the zip
    pdf_path: Mapped[str] = mapped_column(String(1000), default="")  # the rendered PDF
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    job: Mapped[Job] = relationship(back_populates="items")
