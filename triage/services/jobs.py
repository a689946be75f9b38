"""Background jobs started from the app: a themes run for a project, a retraining of the
classifier. A job is a row (BackgroundJob) that a page can watch; workers claim and run it.

Who runs it: `flask triage worker` claims the oldest queued job on each pass (rows locked
and skipped on PostgreSQL, the write lock on SQLite), and, when REDIS_URL is set and `rq` is
installed, the job is also pushed onto the RQ queue "triage" once its row is committed (a
session hook, so it never runs before it exists). Whichever worker claims it first runs it;
the other finds it no longer queued. Redis being down leaves it to `flask triage worker`.
Verbs here flush; the worker (triage/worker.py) commits.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import BackgroundJob, JobKind, JobStatus, Project, User, utcnow
from triage.services import DomainError, NotFound, locks

log = logging.getLogger(__name__)
QUEUE = "triage"
RQ_PENDING = "triage.jobs.rq_pending"
# A job running longer than this is taken for dead (its worker stopped): a new one may start.
STALE_AFTER = timedelta(hours=1)
Progress = Callable[[int, int, str], None]


def init_app(app: Flask) -> None:
    """Push committed jobs onto RQ (once per process, however many apps are built)."""
    for name, listener in (("after_commit", push_committed), ("after_soft_rollback", forget)):
        if not sa_event.contains(db.session, name, listener):
            sa_event.listen(db.session, name, listener)


def rq_queue():
    """The RQ queue when REDIS_URL is set and rq is installed, else None."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        from redis import Redis
        from rq import Queue
    except ImportError:
        return None
    timeout = float(current_app.config.get("REDIS_TIMEOUT", 1.0))  # a Redis that never answers must not hold a request
    return Queue(current_app.config.get("RQ_QUEUE", QUEUE),
                 connection=Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout))


def push_committed(session: Session) -> None:
    pending = session.info.pop(RQ_PENDING, [])
    if not pending:
        return
    try:
        queue = rq_queue()
        for job_id in pending:
            queue.enqueue("triage.worker.run_job_from_rq", job_id, job_timeout=int(STALE_AFTER.total_seconds()))
    except Exception:  # Redis down: the row stays queued for `flask triage worker`
        log.exception("could not push jobs %s onto RQ", pending)


def forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(RQ_PENDING, None)


def active_job(kind: JobKind, project_id: int | None) -> BackgroundJob | None:
    """The job of this kind (and project) that is queued or running, if any."""
    return db.session.scalar(select(BackgroundJob).where(
        BackgroundJob.kind == kind, BackgroundJob.project_id == project_id,
        or_(BackgroundJob.status == JobStatus.QUEUED,
            (BackgroundJob.status == JobStatus.RUNNING) & (BackgroundJob.started_at > utcnow() - STALE_AFTER)))
        .order_by(BackgroundJob.id.desc()).limit(1))


def enqueue(kind: JobKind, project: Project | None, actor: User | None, unique: bool = True) -> BackgroundJob:
    """Queue a job (flushes), or, when `unique`, return the one of the same kind and project
    still queued or running, so that a button pressed twice runs it once."""
    if kind in (JobKind.THEMES, JobKind.IMPORT) and project is None:
        raise DomainError("Choose the project.")
    project_id = project.id if project else None
    job = active_job(kind, project_id) if unique else None
    if job is not None:
        return job
    job = BackgroundJob(kind=kind, project_id=project_id, status=JobStatus.QUEUED, done=0, total=0,
                        message="queued", created_by=actor)
    db.session.add(job)
    db.session.flush()
    if rq_queue() is not None:
        db.session.info.setdefault(RQ_PENDING, []).append(job.id)
    return job


def latest(kind: JobKind, project_id: int | None = None) -> BackgroundJob | None:
    """The newest job of this kind (and project), finished or not."""
    return db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == kind,
                                                         BackgroundJob.project_id == project_id)
                             .order_by(BackgroundJob.id.desc()).limit(1))


def get_job(job_id: int) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job


def claim(job_id: int | None = None) -> BackgroundJob | None:
    """Mark the given queued job (else the oldest queued one) running for this worker; None
    when there is none or another worker has it. Call on a clean session; flushes."""
    locks.begin_write()
    query = select(BackgroundJob).where(BackgroundJob.status == JobStatus.QUEUED)
    query = query.where(BackgroundJob.id == job_id) if job_id is not None else query.order_by(BackgroundJob.id)
    job = db.session.scalar(locks.skip_locked(query.limit(1), BackgroundJob))
    if job is None:
        return None
    job.status, job.started_at, job.message = JobStatus.RUNNING, utcnow(), "started"
    db.session.flush()
    return job


def perform(job: BackgroundJob, progress: Progress) -> str:
    """Do the job's work (flushes, the caller commits) and return what came of it in words."""
    if job.kind is JobKind.THEMES:
        from triage.services.insights import themes

        project = db.session.get(Project, job.project_id)
        if project is None:
            raise DomainError("The project is gone.")
        return str(themes.run_themes(project, progress))
    if job.kind is JobKind.IMPORT:
        from triage.services.insights import import_jobs

        return import_jobs.run_import(job, progress)
    if job.kind is JobKind.EXPORT:
        from triage.services.insights import export_jobs

        return export_jobs.run_export(job, progress)
    from triage.services.triage import training

    progress(0, 1, "training")
    version = training.train(actor=job.created_by)
    state = "activated" if version.active else "kept inactive (worse than the active model)"
    return f"model {version.version}: {version.n_rows} rows, {version.n_corrections} corrections, {state}"


def finish(job: BackgroundJob, message: str, failed: bool = False) -> None:
    """Record how the job ended (flushes)."""
    job.status = JobStatus.FAILED if failed else JobStatus.DONE
    job.message, job.finished_at = message[:2000], utcnow()
    if not failed:
        job.done = job.total = max(job.total, 1)
    db.session.flush()
