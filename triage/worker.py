"""The background jobs and the loop behind `flask triage worker`: classification of pending items
every second or so, sweep passes (escalation and delivery) at a longer interval, until told to stop.

The jobs are where background work commits: each commits its own units of work (a batch, an
item's escalation, a claim, a send), calling service verbs that only flush."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from triage.extensions import db
from triage.models import BackgroundJob, DeliveryStatus, Feedback, Project, utcnow
from triage.services import jobs, locks
from triage.services.releases import store, watch
from triage.services.triage import digest, escalation, pipeline
from triage.services.delivery import notify
from triage.services.insights import aggregates, export_jobs, page, spikes

log = logging.getLogger(__name__)


@dataclass
class DeliverySummary:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0  # claimed, handed back before the lease ran out


@dataclass
class SweepSummary:
    checked: int = 0
    fired: int = 0
    digests: int = 0
    skipped: int = 0  # handled meanwhile by a concurrent pass
    delivery: DeliverySummary = field(default_factory=DeliverySummary)

    def __str__(self) -> str:
        d = self.delivery
        return (f"checked {self.checked} items, fired {self.fired} escalation tiers, "
                f"queued {self.digests} digests, skipped {self.skipped}; delivered {d.sent}, failed {d.failed}, dead {d.dead}")


def classify_pass() -> int:
    """Classify, route and set the SLA of what intake left pending; returns how many."""
    done = pipeline.process_pending()
    db.session.commit()
    return done


def aggregate_pass(now: datetime | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the daily counts of every (project, day) whose items changed since the last
    pass, committing per run of nearby days, then move the watermark; returns how many days were rebuilt.
    A pass that fails half-way leaves the watermark where it was: the next one redoes it all."""
    pending, mark = aggregates.pending_days(now)
    done = recompute_days(pending, progress)
    aggregates.set_mark(mark)
    db.session.commit()
    rank_pass(set(pending), mark.date())
    return done


def rank_pass(changed: set[int], today) -> int:
    """Store today's rankings (page.refresh_snapshots) of the projects whose counts changed or
    whose rankings are missing or stale, committing per project; returns how many projects."""
    projects = sorted(changed | page.stale_snapshots(today))
    for project_id in projects:
        page.refresh_snapshots(project_id, today)
        db.session.commit()
    return len(projects)


def rebuild_aggregates(project_id: int | None = None, progress: Callable[[int], None] | None = None,
                       found: dict | None = None) -> int:
    """Rebuild every day's counts (of one project or all, or the days `found` lists), committing
    per run of days (the backfill). A rebuild of all projects moves the watermark to its start,
    so the next incremental pass reads only what changed since."""
    started = utcnow()
    found = found if found is not None else aggregates.all_days(project_id)
    done = recompute_days(found, progress)
    if project_id is None:
        aggregates.set_mark(started - aggregates.OVERLAP)
        db.session.commit()
    rank_pass(set(found), utcnow().date())
    return done


def recompute_days(found: dict, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the counts of each (project, day) given, a run of nearby days per query and
    commit; returns how many days."""
    db.session.commit()
    done = 0
    for project_id, days in sorted(found.items()):
        for run in aggregates.day_runs(days):
            aggregates.recompute_days(project_id, run)
            db.session.commit()
            done += len(run)
            if progress:
                progress(len(run))
    return done


def spike_pass(now: datetime | None = None) -> spikes.SpikeSummary:
    """Check every project for spikes on today's counts, committing per project (the alert and
    its notifications together); a concurrent pass that opened the same alert first wins."""
    total = spikes.SpikeSummary()
    db.session.commit()
    for project_id in spikes.project_ids():
        project = db.session.get(Project, project_id)
        try:
            found = spikes.check_project(project, now=now)
            db.session.commit()
        except IntegrityError:  # the same alert (project, subject, day) was just opened elsewhere
            db.session.rollback()
            continue
        total.opened, total.closed, total.notified = (total.opened + found.opened, total.closed + found.closed,
                                                      total.notified + found.notified)
    return total


def claim(now: datetime, limit: int) -> list[int]:
    """Claim due notifications for this worker in a committed step of its own (see notify.claim_due)."""
    db.session.commit()
    claimed = notify.claim_due(now, limit)
    db.session.commit()
    return claimed


def deliver_pending(now: datetime | None = None, limit: int = 100) -> DeliverySummary:
    """Send due notifications, committing after the claim and after each send. The rows a slow
    batch has not reached when one more send could outlast the claim's lease go back to the
    outbox (notify.release), so no other worker claims a row while this one sends it."""
    now = now or utcnow()
    summary = DeliverySummary()
    claimed = claim(now, limit)
    last_start = time.monotonic() + notify.lease_seconds() - notify.send_timeout()
    for index, note_id in enumerate(claimed):
        # The first always goes, so that a lease shorter than one send still makes progress.
        if index and time.monotonic() > last_start:
            notify.release(claimed[index:], now)
            db.session.commit()
            summary.released = len(claimed) - index
            break
        status = notify.deliver(note_id, now)
        db.session.commit()
        if status == DeliveryStatus.SENT:
            summary.sent += 1
        elif status == DeliveryStatus.DEAD:
            summary.dead += 1
        else:
            summary.failed += 1
    return summary


def sweep_item(item_id: int, now: datetime) -> int:
    """Fire the item's due tiers under a lock and commit; 0 when another pass holds the item."""
    item = db.session.get(Feedback, item_id)
    if item is None or not escalation.pending_tiers(item, now):
        return 0  # the common case: nothing to do, no write lock taken
    db.session.commit()  # end the read; the locked read below sees the latest state
    locks.begin_write()
    item = db.session.scalar(locks.skip_locked(select(Feedback).where(Feedback.id == item_id), Feedback))
    fired = escalation.escalate_item(item, now) if item else 0
    db.session.commit()
    return fired


def digest_pass(now: datetime, summary: SweepSummary) -> None:
    """One digest per recipient with queued escalations (within the hourly cap), committed one by one."""
    db.session.commit()
    for recipient in digest.waiting_recipients():
        locks.begin_write()
        try:
            summary.digests += digest.compose(recipient, now) is not None
            db.session.commit()
        except (IntegrityError, digest.Conflict):  # a concurrent pass took these alerts
            db.session.rollback()
            summary.skipped += 1


def sweep(now: datetime | None = None, deliver: bool = True) -> SweepSummary:
    """One pass, committing per item: fire the highest tier whose threshold has passed, write
    one digest per recipient, then deliver the pending notifications. Safe to run in several
    processes at once."""
    now = now or utcnow()
    summary = SweepSummary()
    db.session.commit()
    for item_id in escalation.candidate_ids(now):
        summary.checked += 1
        try:
            summary.fired += sweep_item(item_id, now)
        except IntegrityError:  # a concurrent pass wrote the same dedupe key first
            db.session.rollback()
            summary.skipped += 1
    release_pass(now)
    digest_pass(now, summary)
    if deliver:
        summary.delivery = deliver_pending(max(now, utcnow()))  # rows written just now are due
    return summary


def release_pass(now: datetime | None = None) -> tuple[int, int]:
    """Per project, committing each: releases for versions seen first now, watched fixes
    checked (a regression reopens and tells the owner), verdict changes told to followers.
    A project that fails is logged and left for the next pass. Returns (regressed, changed)."""
    regressed = changed = 0
    for project_id in [p.id for p in store.projects()]:
        try:
            project = store.project_by_id(project_id)
            store.sync_releases(project)
            regressed += watch.check_fixes(project, now)
            changed += watch.tell_verdict_changes(project, now)
            db.session.commit()
        except IntegrityError:  # a concurrent pass told the same change first
            db.session.rollback()
        except Exception:
            db.session.rollback()
            log.exception("release pass failed for project %s", project_id)
    return regressed, changed


def one_pass(echo: Callable[[str], None], classified: Callable[[], int] | None = None) -> bool:
    """Classify what is pending, then sweep, and report it; a failed pass is logged and rolled back, never fatal.
    With `classified` (the count of a classifier running on its own thread), classification is left to it."""
    try:
        classified = classify_pass() if classified is None else classified()
        aggregated = aggregate_pass()
        spiked = spike_pass()
        summary = sweep()  # delivers what the passes queued, spike alerts too
        export_jobs.remove_old()  # large exports are kept a day
    except Exception:  # a broken pass must not end the worker; the next one retries
        db.session.rollback()
        log.exception("sweep pass failed")
        return False
    echo(f"classified {classified}; counted {aggregated} days; {spiked.opened} spikes opened, "
         f"{spiked.closed} closed; {summary}")
    job_pass(echo)
    return True


def report_progress(job_id: int, done: int, total: int, message: str) -> None:
    """Write a job's progress in a transaction of its own, so the page watching it sees it
    while the job's own work is still uncommitted. Never fails the job."""
    try:
        with db.engine.begin() as conn:
            conn.execute(update(BackgroundJob).where(BackgroundJob.id == job_id)
                         .values(done=done, total=total, message=message[:2000]))
    except OperationalError:  # e.g. SQLite busy: the next report or the end will tell
        log.warning("progress of job %s not recorded", job_id)


def run_job(job_id: int | None = None) -> BackgroundJob | None:
    """Claim a queued job (this one, else the oldest) and run it: commits the claim, then the
    job's work with its end state, or rolls the work back and records the failure."""
    db.session.commit()
    job = jobs.claim(job_id)
    db.session.commit()
    if job is None:
        return None
    job_id = job.id
    try:
        message = jobs.perform(job, lambda done, total, text: report_progress(job_id, done, total, text))
        jobs.finish(job, message)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        job = db.session.get(BackgroundJob, job_id)
        jobs.finish(job, f"failed: {error}", failed=True)
        db.session.commit()
    return job


def job_pass(echo: Callable[[str], None] | None = None) -> None:
    """Run one queued background job, if any; a failure to claim is logged, never fatal."""
    try:
        job = run_job()
    except Exception:
        db.session.rollback()
        log.exception("job pass failed")
        return
    if job is not None and echo is not None:
        echo(f"job {job.id} ({job.kind.value}) {job.status.value}: {job.message}")


def run_job_from_rq(job_id: int) -> str:
    """The RQ entry point (`rq worker triage`): run the job in the app, built from the
    environment unless the caller already has one."""
    if not has_app_context():
        from triage import create_app

        with create_app().app_context():
            return run_job_from_rq(job_id)
    job = run_job(job_id)
    return job.status.value if job else "taken by another worker"


class Classifier(threading.Thread):
    """Classification passes on a thread of their own, with its own app context and session, so
    that a long sweep, aggregate pass or background job never holds back triage. A full batch
    is followed by the next at once; otherwise it waits `interval` (or until `stop`)."""

    def __init__(self, stop: threading.Event, interval: float):
        super().__init__(name="classifier", daemon=True)
        self.app, self.stop, self.interval = current_app._get_current_object(), stop, interval
        self.done, self._lock = 0, threading.Lock()

    def run(self) -> None:
        with self.app.app_context():
            while not self.stop.is_set():
                try:
                    done = classify_pass()
                except Exception:  # e.g. SQLite busy under a long sweep: the next pass retries
                    db.session.rollback()
                    log.exception("classification pass failed")
                    done = 0
                with self._lock:
                    self.done += done
                if done < pipeline.BATCH:
                    self.stop.wait(self.interval)
            db.session.remove()

    def taken(self) -> int:
        """Items classified since the last call (what a sweep pass reports)."""
        with self._lock:
            done, self.done = self.done, 0
        return done


def run(interval: float, once: bool, echo: Callable[[str], None], classify_interval: float = 1.0) -> int:
    """Run sweep passes every `interval` seconds, and queued background jobs every
    `classify_interval` seconds in between, until SIGTERM or Ctrl-C (finishing the pass under
    way); pending items are classified meanwhile on a thread of their own (Classifier).
    Returns how many sweep passes ran."""
    stop = threading.Event()
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            handlers[sig] = signal.signal(sig, lambda *_: stop.set())
    passes, classifier = 0, None
    if not once:
        classifier = Classifier(stop, classify_interval)
        classifier.start()
    try:
        while not stop.is_set():
            one_pass(echo, classifier.taken if classifier else None)
            passes += 1
            if once:
                break
            next_sweep = time.monotonic() + interval
            while not stop.wait(max(0.0, min(classify_interval, next_sweep - time.monotonic()))):
                if time.monotonic() >= next_sweep:
                    break
                job_pass()
    finally:
        stop.set()
        if classifier is not None:
            classifier.join()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    echo(f"worker stopped after {passes} passes")
    return passes
