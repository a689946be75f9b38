"""Escalation tiers fire once per item and deadline: across passes, restarts and concurrent sweeps."""
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import builders
from tests.conftest import run_in_threads
from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage import ROOT, worker
from triage.extensions import db
from triage.models import Event, Notification, Status, Webhook, utcnow
from triage.services import items


@pytest.fixture
def mail_app(make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context():
        yield app, sink, port


@pytest.fixture
def setup(mail_app):
    """A P1 policy (75% assignee, 100% lead, 150% manager of 4 hours) and the Support team."""
    from triage.services.accounts import create_project

    builders.policy()
    team = builders.team_with_roles()
    return create_project("shop", "Shop"), team, team.memberships[0].user


def breached(setup, hours_ago: float = 10, **fields):
    project, team, agent = setup
    return builders.item(project, utcnow() - timedelta(hours=hours_ago), team=team, assignee=agent, **fields)


def test_each_tier_fires_as_its_share_of_the_target_passes(mail_app, setup):
    _, sink, _ = mail_app
    item = breached(setup, hours_ago=0)
    start = item.created_at
    fired = [worker.sweep(start + timedelta(minutes=m)).fired for m in (170, 181, 200, 241, 361)]
    assert fired == [0, 1, 0, 1, 1]
    assert [m["to"] for m in sink.messages] == [["support-agent-0@example.com"], ["support-lead@example.com"],
                                                ["support-manager@example.com"]]
    db.session.refresh(item)
    assert item.escalation_level == 3
    assert "75% of the resolution target" in sink.messages[0]["subject"]


def test_a_breached_item_sends_exactly_one_email_per_tier_over_three_sweeps(mail_app, setup):
    _, sink, _ = mail_app
    item = breached(setup)
    summaries = [worker.sweep() for _ in range(3)]
    assert [s.fired for s in summaries] == [3, 0, 0] and [s.delivery.sent for s in summaries] == [3, 0, 0]
    assert sorted(m["to"][0] for m in sink.messages) == [
        "support-agent-0@example.com", "support-lead@example.com", "support-manager@example.com"]
    events = db.session.scalars(select(Event).where(Event.kind == "escalated")).all()
    assert [e.data["threshold"] for e in events] == [75, 100, 150] and {e.feedback_id for e in events} == {item.id}


def test_paused_answered_or_resolved_items_do_not_escalate(mail_app, setup):
    waiting, resolved = breached(setup, status=Status.WAITING, sla_paused_at=utcnow()), breached(setup)
    items.change_status(resolved, Status.RESOLVED, None)
    db.session.commit()
    assert worker.sweep().fired == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert waiting.escalation_level == 0


def test_an_unassigned_item_reminds_the_team_lead_instead(mail_app, setup):
    _, sink, _ = mail_app
    project, team, _ = setup
    builders.item(project, utcnow() - timedelta(minutes=190), team=team)
    worker.sweep()
    assert [m["to"] for m in sink.messages] == [["support-lead@example.com"]]


def test_a_webhook_tier_posts_to_its_webhook(mail_app, setup):
    policy = builders.policy("P2", tiers=((100, builders.EscalationTarget.LEAD),))
    policy.tiers[0].channel = builders.DeliveryChannel.WEBHOOK
    policy.tiers[0].webhook = Webhook(name="ops", url="http://127.0.0.1:9/none")
    db.session.commit()
    breached(setup, priority="P2")
    assert worker.sweep().fired == 1
    note = db.session.scalars(select(Notification)).one()
    assert note.recipient == "http://127.0.0.1:9/none" and note.dedupe_key.endswith(":wh")


def test_two_concurrent_sweeps_send_nothing_twice(mail_app, setup):
    app, sink, _ = mail_app
    for _ in range(4):
        breached(setup)
    now = utcnow()

    def sweep(barrier):
        barrier.wait()
        return worker.sweep(now)
    results = run_in_threads(app, sweep)
    assert sum(r.fired for r in results) == 12
    assert sum(r.delivery.sent for r in results) == 12 and len(sink.messages) == 12
    keys = db.session.scalars(select(Notification.dedupe_key)).all()
    assert len(keys) == len(set(keys)) == 12


def flask_process(*args: str, port: int = 1) -> subprocess.Popen:
    """`flask triage ...` in a real process on the test's database and SMTP server."""
    env = {**os.environ, "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "SECRET_KEY": "test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "FLASK_APP": "wsgi"}
    return subprocess.Popen([sys.executable, "-m", "flask", "triage", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sweep_killed_in_the_middle_of_sending_sends_nothing_twice_after_restart(mail_app, setup):
    _, sink, port = mail_app
    breached(setup)
    sink.hold_after = 1  # the second message hangs: the process is killed while sending it
    process = flask_process("sweep", port=port)
    try:
        assert sink.holding.wait(30), process.stderr.read() if process.poll() is not None else "timeout"
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
        sink.released.set()
    assert len(sink.messages) == 1
    states = sorted((s.value, n) for s, n in db.session.execute(select(Notification.status, Notification.attempts)))
    assert states == [("pending", 1), ("pending", 1), ("sent", 1)]  # claimed, then the process died
    sink.hold_after = None
    for _ in range(2):  # the restarted worker, after the claims' lease has run out
        worker.sweep(utcnow() + timedelta(hours=1))
    assert sorted(m["to"][0] for m in sink.messages) == [
        "support-agent-0@example.com", "support-lead@example.com", "support-manager@example.com"]


def test_the_sweep_command_prints_its_summary(mail_app, setup):
    app, sink, _ = mail_app
    breached(setup)
    result = app.test_cli_runner().invoke(args=["triage", "sweep"])
    assert result.exit_code == 0, result.output
    assert "fired 3 escalation tiers" in result.output and "delivered 3" in result.output


def test_the_worker_runs_passes_until_sigterm(mail_app):
    app, _, port = mail_app
    result = app.test_cli_runner().invoke(args=["triage", "worker", "--once"])
    assert "worker stopped after 1 passes" in result.output
    running = flask_process("worker", "--interval", "0.2", port=port)
    assert "checked 0 items" in running.stdout.readline()
    running.send_signal(signal.SIGTERM)
    out, err = running.communicate(timeout=10)
    assert running.returncode == 0 and "worker stopped" in out, err
