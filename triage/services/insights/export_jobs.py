"""Large item exports as background jobs of kind "export": when the board's filters select more
than EXPORT_INLINE_ROWS items (50,000 by default) the CSV is written by a worker into the export
folder (EXPORT_FOLDER, else "exports" in the instance folder, which the workers must share) as
<job id>.csv, with the same columns and formula neutralising as the inline export. Only the
requester or an admin may download it; the worker removes files older than EXPORT_KEEP_HOURS
(24 by default). Verbs flush; the view and the worker commit."""
from __future__ import annotations

import json
import time
from pathlib import Path

from flask import current_app

from triage.extensions import db
from triage.models import BackgroundJob, JobKind, JobStatus, Role, User
from triage.services import DomainError, NotFound, jobs
from triage.services.insights import exports, figures
from triage.services.items import inbox
from triage.services.items.inbox import InboxFilter

INLINE_ROWS = 50_000
KEEP_HOURS = 24
MAX_ROWS = 1_000_000  # a job's file; the inline export stops at exports.MAX_ROWS


def export_folder() -> Path:
    return Path(current_app.config.get("EXPORT_FOLDER") or Path(current_app.instance_path) / "exports")


def too_large_inline(flt: InboxFilter) -> bool:
    """Whether the filter selects more items than an export answered in the request may hold."""
    limit = int(current_app.config.get("EXPORT_INLINE_ROWS", INLINE_ROWS))
    return inbox.capped_count(flt, limit) > limit


def queue_export(args: dict[str, str], actor: User) -> BackgroundJob:
    """Queue an export of the items the board's query arguments select (flushes)."""
    job = jobs.enqueue(JobKind.EXPORT, None, actor, unique=False)
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{job.id}.json").write_text(json.dumps(args))
    return job


def run_export(job: BackgroundJob, progress: jobs.Progress) -> str:
    """Write the job's CSV file; returns how many rows it holds."""
    spec = export_folder() / f"{job.id}.json"
    if not spec.exists():
        raise DomainError("The export's filters are gone; export again.")
    if job.created_by is None:
        raise DomainError("The person who asked for this export is gone.")
    progress(0, 1, "exporting")
    # the requester's view of the items: a team-restricted agent's export holds only their items
    frame = exports.items_frame(InboxFilter.from_args(json.loads(spec.read_text())), limit=MAX_ROWS,
                                viewer=job.created_by)
    partial = spec.with_suffix(".part")
    partial.write_text(figures.safe_csv(frame), encoding="utf-8")
    partial.replace(spec.with_suffix(".csv"))
    spec.unlink(missing_ok=True)
    return f"{len(frame)} items exported; the file is kept {keep_hours()} hours."


def keep_hours() -> float:
    return float(current_app.config.get("EXPORT_KEEP_HOURS", KEEP_HOURS))


def own_export(job_id: int, user: User) -> BackgroundJob:
    """The export job, for its requester or an admin; NotFound for anyone else."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.kind is not JobKind.EXPORT or not (
            user.role is Role.ADMIN or job.created_by_id == user.id):
        raise NotFound(f"No export {job_id}.")
    return job


def download_path(job: BackgroundJob) -> Path:
    """The finished export's file; NotFound when it is not ready or already removed."""
    path = export_folder() / f"{job.id}.csv"
    if job.status is not JobStatus.DONE or not path.exists():
        raise NotFound("The file is not there: not ready yet, or removed after a day.")
    return path


def remove_old(now: float | None = None) -> int:
    """Remove export files older than EXPORT_KEEP_HOURS; returns how many."""
    folder = export_folder()
    if not folder.is_dir():
        return 0
    cutoff = (now or time.time()) - keep_hours() * 3600
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
