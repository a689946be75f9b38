"""Two `flask triage worker` processes over pending items and a pending outbox; one is SIGKILLed
in the middle of a classification batch, one in the middle of a delivery batch, and each is
restarted. Every item is classified once; every notification is delivered, and only the one
the killed worker had handed to SMTP but not yet recorded is delivered again (at least once,
docs/deploy.md: "a worker killed during a delivery leaves the row to be retried once its
lease ends")."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, select, text

from tests.servers import free_port
from triage.extensions import db
from triage.models import Channel, DeliveryChannel, DeliveryStatus, Event, Feedback, Kind, Notification
from triage.services import accounts, intake
from triage.services.delivery import notify

ROOT = Path(__file__).resolve().parents[2]
ITEMS, NOTES = 600, 30
# A killed worker's claimed rows wait out the claim's lease (OUTBOX_LEASE_SECONDS, 120 s by default):
# the app's own factory call shortens it to 4 s (a batch hands back what it has not sent after
# 4 - 2 s, SMTP_TIMEOUT), all else is the environment. When the lease was the 1 s retry backoff,
# a batch slowed by a loaded machine outlasted it and the other worker sent its rows again.
APP = "triage:create_app({'OUTBOX_LEASE_SECONDS': 4, 'SMTP_TIMEOUT': 2})"
# How long to wait for a step (a worker seen inside a batch, the outbox drained): bounds for a
# failure, not waits. A worker process takes 2 s to start on an idle machine and 18 s with a load
# of 15 on two cores; the 20 s bound this test had was shorter than that, hence its flakiness.
PATIENCE = 120


class Sinks:
    """Two real SMTP servers (one per worker) recording into one list. The message number
    `hold_at` is recorded and then gets no answer until `release`: its sender is killed
    after the handoff and before it can record the delivery."""

    def __init__(self, hold_at: int):
        self.received: list[str] = []
        self.hold_at, self.lock = hold_at, threading.Lock()
        self.holding, self.released = threading.Event(), threading.Event()
        self.held: tuple[str, str] | None = None  # (sink label, subject)
        self.controllers = {label: Controller(self.handler(label), hostname="127.0.0.1", port=free_port())
                            for label in ("a", "b")}

    def handler(self, label: str):
        sinks = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                subject = message_from_bytes(envelope.content)["Subject"]
                with sinks.lock:
                    sinks.received.append(subject)
                    hold = len(sinks.received) == sinks.hold_at
                    if hold:
                        sinks.held = (label, subject)
                if hold:
                    sinks.holding.set()
                    while not sinks.released.is_set():
                        await asyncio.sleep(0.02)
                return "250 OK"
        return Handler()

    def port(self, label: str) -> int:
        return self.controllers[label].port

    @classmethod
    def running(cls, hold_at: int):
        """Started sinks for a fixture to yield; stopped (and any held message released) after."""
        found = cls(hold_at)
        for controller in found.controllers.values():
            controller.start()
        yield found
        found.released.set()
        for controller in found.controllers.values():
            controller.stop()


@pytest.fixture
def sinks():
    yield from Sinks.running(hold_at=4)


class Worker:
    """`flask triage worker` in its own process, on the test database."""

    def __init__(self, label: str, env: dict, log: Path):
        self.label, self.env, self.log, self.process = label, env, log, None

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", APP, "triage", "worker", "--interval", "0.5",
                 "--classify-interval", "0.2"], cwd=ROOT, env=self.env, stdout=out, stderr=out)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def with_name(database_url: str, name: str) -> str:
    """A PostgreSQL URL whose connections show `name` in pg_stat_activity (SQLite: unchanged)."""
    if database_url.startswith("sqlite"):
        return database_url
    return f"{database_url}{'&' if '?' in database_url else '?'}application_name={name}"


def in_batch(worker: Worker, database_url: str, probe) -> bool:
    """Whether the worker holds a transaction open for a while: the write lock of the SQLite file
    (the byte 120 of its -shm file, /proc/locks) seen twice 0.1 s apart, or a PostgreSQL
    transaction older than 0.15 s. A claim or an empty pass takes milliseconds; a batch longer."""
    if database_url.startswith("sqlite"):
        shm = Path(database_url.removeprefix("sqlite:///") + "-shm")
        if not shm.exists():
            return False
        mark = f"WRITE {worker.process.pid} "

        def holds() -> bool:
            inode = shm.stat().st_ino
            return any(mark in line and line.split()[5].endswith(f":{inode}") and line.split()[6] == "120"
                       for line in Path("/proc/locks").read_text().splitlines())
        return holds() and (time.sleep(0.1) or holds())
    with probe.connect() as conn:
        age = conn.execute(text("SELECT max(extract(epoch FROM now() - xact_start)) FROM pg_stat_activity "
                                "WHERE application_name = :name AND xact_start IS NOT NULL"),
                           {"name": f"fault_{worker.label}"}).scalar()
    return age is not None and age > 0.15


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def counts(app) -> tuple[int, int]:
    """(items not classified yet, notifications sent), read afresh."""
    with app.app_context():
        db.session.remove()
        pending = db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.category.is_(None)))
        sent = db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.status == DeliveryStatus.SENT))
    return pending, sent


@pytest.fixture
def workers(database_url, tmp_path, sinks):
    """Two workers, a and b (not started), each with its own SMTP sink; stopped at the end."""
    env = {**os.environ, "TRIAGE_ENV": "production", "SECRET_KEY": "fault-test-secret",
           "TRIAGE_CLASSIFY_INLINE": "0", "SMTP_HOST": "127.0.0.1", "MODEL_FOLDER": str(tmp_path / "models")}
    found = {label: Worker(label, {**env, "DATABASE_URL": with_name(database_url, f"fault_{label}"),
                                   "SMTP_PORT": str(sinks.port(label))}, tmp_path / f"worker-{label}.log")
             for label in ("a", "b")}
    yield found
    for worker in found.values():
        worker.stop()


def kill_mid_classification(app, workers: dict, database_url: str) -> Worker:
    """SIGKILL whichever worker is first seen inside a classification batch, restart it."""
    probe, victim = create_engine(database_url), []
    try:
        wait_until(lambda: victim.extend(w for w in workers.values() if in_batch(w, database_url, probe)) or victim,
                   PATIENCE, "a worker inside a classification batch")
    finally:
        probe.dispose()
    victim[0].kill()
    assert counts(app)[0] > 0, "the batch was not cut short"
    victim[0].start()
    return victim[0]


def kill_mid_delivery(app, workers: dict, sinks: Sinks) -> tuple[str, str]:
    """Queue NOTES emails; SIGKILL the worker whose handoff of the 4th gets no answer, restart
    it. Returns the killed worker's label and the subject in flight. The emails are queued once
    the items are classified: on SQLite a classification batch holds the write lock, under load
    longer than the test's own writer waits for it (busy_timeout, 5 s)."""
    wait_until(lambda: counts(app)[0] == 0, PATIENCE, "every item classified")
    with app.app_context():
        items = db.session.scalars(select(Feedback).order_by(Feedback.id).limit(NOTES)).all()
        for i, item in enumerate(items):
            notify.enqueue(dedupe_key=f"fault:{i}", channel=DeliveryChannel.EMAIL, feedback=item,
                           recipient=f"person{i}@example.com", subject=f"Note {i}", text="Hello")
        db.session.commit()
    assert sinks.holding.wait(PATIENCE), "no delivery reached the SMTP sinks"
    held_by, held_subject = sinks.held
    workers[held_by].kill()
    sinks.released.set()
    assert counts(app)[1] < NOTES, "the delivery batch was not cut short"
    workers[held_by].start()
    return held_by, held_subject


def test_workers_killed_mid_batch_classify_once_and_deliver_everything(make_app, database_url, workers, sinks):
    app = make_app(CLASSIFY_INLINE=False)
    with app.app_context():
        project = accounts.create_project("shop", "Shop")
        for i in range(ITEMS):
            intake.submit_feedback(project, intake.Submission(
                kind=Kind.BUG, title=f"Export number {i} crashes", body="Every time.", channel=Channel.API))
        db.session.commit()
    for worker in workers.values():
        worker.start()
    victim = kill_mid_classification(app, workers, database_url)
    held_by, held_subject = kill_mid_delivery(app, workers, sinks)
    wait_until(lambda: counts(app) == (0, NOTES), PATIENCE, "every item classified and every notification sent")

    with app.app_context():
        classified = Counter(db.session.scalars(select(Event.feedback_id).where(Event.kind == "classified")))
        notified = Counter(db.session.scalars(select(Event.feedback_id).where(Event.kind == "notified")))
        notes = db.session.scalars(select(Notification)).all()
    assert len(classified) == ITEMS and set(classified.values()) == {1}
    assert all(n.status == DeliveryStatus.SENT for n in notes) and set(notified.values()) == {1}
    deliveries = Counter(sinks.received)
    print(f"victims {victim.label} (classifying), {held_by} (delivering {held_subject}); "
          f"deliveries {sum(deliveries.values())} of {NOTES} notifications")
    assert set(deliveries) == {f"Note {i}" for i in range(NOTES)}
    # At least once: only the message handed to SMTP before the kill and not yet recorded as sent
    # may arrive again, once, when its lease ends. Every other one arrives exactly once.
    assert {s: c for s, c in deliveries.items() if c > 1} in ({}, {held_subject: 2})
