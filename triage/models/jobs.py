"""Background jobs started from the app (a themes run, a retraining): queued, run by
`flask triage worker` or an RQ worker, with their progress for the page that started them."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.accounts import User
from triage.models.base import UTCDateTime, str_enum, utcnow


class JobKind(enum.Enum):
    THEMES = "themes"    # run the themes of one project
    RETRAIN = "retrain"  # train the classifier and activate it unless worse
    IMPORT = "import"    # bring in an uploaded CSV file of feedback (triage/services/insights/import_jobs.py)
    EXPORT = "export"    # write a large CSV export of items (triage/services/insights/export_jobs.py)


class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


class BackgroundJob(db.Model):
    """One unit of background work; `done` of `total` steps are finished, `message` says what
    it is doing or how it ended."""

    __tablename__ = "background_jobs"
    # Workers look for the oldest queued job; pages for a project's latest job of a kind.
    __table_args__ = (Index("ix_background_jobs_status_id", "status", "id"),
                      Index("ix_background_jobs_kind_project", "kind", "project_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(str_enum(JobKind))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        if self.status is JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def __repr__(self) -> str:
        return f"<BackgroundJob {self.id} {self.kind.value} {self.status.value}>"
