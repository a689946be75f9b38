"""The background loop behind `flask triage worker`: classification of pending items every second
or so, sweep passes (escalation and delivery) at a longer interval, until told to stop."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from triage.extensions import db
from triage.services import escalation, pipeline

log = logging.getLogger(__name__)


def classify_pass() -> int:
    """Classify, route and set the SLA of what intake left pending; returns how many."""
    done = pipeline.process_pending()
    db.session.commit()
    return done


def one_pass(echo: Callable[[str], None]) -> bool:
    """Classify what is pending, then sweep, and report it; a failed pass is logged and rolled back, never fatal."""
    try:
        classified = classify_pass()
        summary = escalation.sweep()
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
