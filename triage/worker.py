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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from triage.extensions import db
from triage.models import DeliveryStatus, Feedback, utcnow
from triage.services import locks
from triage.services.triage import digest, escalation, pipeline
from triage.services.delivery import notify

log = logging.getLogger(__name__)


@dataclass
class DeliverySummary:
    sent: int = 0
    failed: int = 0
    dead: int = 0


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


def claim(now: datetime, limit: int) -> list[int]:
    """Claim due notifications for this worker in a committed step of its own (see notify.claim_due)."""
    db.session.commit()
    claimed = notify.claim_due(now, limit)
    db.session.commit()
    return claimed


def deliver_pending(now: datetime | None = None, limit: int = 100) -> DeliverySummary:
    """Send due notifications, committing after the claim and after each send."""
    now = now or utcnow()
    summary = DeliverySummary()
    for note_id in claim(now, limit):
        status = notify.deliver(note_id)
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
    digest_pass(now, summary)
    if deliver:
        summary.delivery = deliver_pending(max(now, utcnow()))  # rows written just now are due
    return summary


def one_pass(echo: Callable[[str], None]) -> bool:
    """Classify what is pending, then sweep, and report it; a failed pass is logged and rolled back, never fatal."""
    try:
        classified = classify_pass()
        summary = sweep()
    except Exception:  # a broken pass must not end the worker; the next one retries
        db.session.rollback()
        log.exception("sweep pass failed")
        return False
    echo(f"classified {classified}; {summary}")
    return True


def quick_pass() -> None:
    """Between sweeps: only the pending items, so that they are triaged within seconds."""
    try:
        classify_pass()
    except Exception:
        db.session.rollback()
        log.exception("classification pass failed")


def run(interval: float, once: bool, echo: Callable[[str], None], classify_interval: float = 1.0) -> int:
    """Run sweep passes every `interval` seconds and classification passes every
    `classify_interval` seconds in between, until SIGTERM or Ctrl-C (finishing the pass
    under way); returns how many sweep passes ran."""
    stop = threading.Event()
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            handlers[sig] = signal.signal(sig, lambda *_: stop.set())
    passes = 0
    try:
        while not stop.is_set():
            one_pass(echo)
            passes += 1
            if once:
                break
            next_sweep = time.monotonic() + interval
            while not stop.wait(max(0.0, min(classify_interval, next_sweep - time.monotonic()))):
                if time.monotonic() >= next_sweep:
                    break
                quick_pass()
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    echo(f"worker stopped after {passes} passes")
    return passes
