"""Escalation tiers fire once per item and deadline: across passes, restarts and concurrent sweeps;
only the highest due tier fires, a tier leaves its backlog alone, each person gets one digest per
sweep and a few per hour."""
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
from triage.models import AlertState, EscalationAlert, Event, Notification, Status, Webhook, utcnow
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
    assert f"#{item.id} [P1] Checkout is down" in sink.messages[0]["body"]


def test_an_item_past_every_tier_fires_only_the_highest_once_over_three_sweeps(mail_app, setup):
    _, sink, _ = mail_app
    item = breached(setup)
    summaries = [worker.sweep() for _ in range(3)]
    assert [s.fired for s in summaries] == [1, 0, 0] and [s.delivery.sent for s in summaries] == [1, 0, 0]
    assert [m["to"] for m in sink.messages] == [["support-manager@example.com"]]
    assert "150% of the resolution target" in sink.messages[0]["subject"]
    events = db.session.scalars(select(Event).where(Event.kind == "escalated")).all()
    assert [(e.feedback_id, e.data["threshold"]) for e in events] == [(item.id, 150)]
    states = db.session.execute(select(EscalationAlert.threshold_percent, EscalationAlert.state)
                                .order_by(EscalationAlert.threshold_percent)).all()
    assert states == [(75, AlertState.PASSED), (100, AlertState.PASSED), (150, AlertState.SENT)]
    db.session.refresh(item)
    assert item.escalation_level == 3


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
    item = breached(setup, priority="P2")
    assert worker.sweep().fired == 1
    note = db.session.scalars(select(Notification)).one()
    assert note.recipient == "http://127.0.0.1:9/none" and note.dedupe_key.endswith(":wh")
    assert note.subject == f"[P2] #{item.id} Checkout is down: 100% of the resolution target"
    assert note.payload["text"].startswith(f"#{item.id} Checkout is down\nPriority P2, status ")
    assert f"resolution due {item.resolution_due:%Y-%m-%d %H:%M} UTC" in note.payload["text"]
    assert f"/board/items/{item.id}" in note.payload["text"] and note.payload["tier_id"] == policy.tiers[0].id
    alert = db.session.scalars(select(EscalationAlert)).one()
    assert (alert.state, alert.notification_id, alert.recipient) == (AlertState.SENT, note.id, note.recipient)
    (event,) = db.session.scalars(select(Event).where(Event.kind == "escalated")).all()
    assert (event.data["recipients"], event.data["target"], item.escalation_level) == ([note.recipient], "lead", 1)


def test_a_webhook_tier_whose_webhook_was_switched_off_posts_nothing(mail_app, setup):
    policy = builders.policy("P2", tiers=((100, builders.EscalationTarget.LEAD),))
    policy.tiers[0].channel = builders.DeliveryChannel.WEBHOOK
    policy.tiers[0].webhook = Webhook(name="ops", url="http://127.0.0.1:9/none", active=False)
    db.session.commit()
    breached(setup, priority="P2")
    assert worker.sweep().fired == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_an_item_resolved_after_the_sweep_picked_it_does_not_escalate(mail_app, setup):
    from triage.services.triage import escalation

    resolved = breached(setup)
    items.change_status(resolved, Status.RESOLVED, None)  # between the sweep's pre-selection and its lock
    db.session.commit()
    assert escalation.running_deadlines(resolved) == []
    assert escalation.escalate_item(resolved, utcnow()) == 0
    assert db.session.scalar(select(func.count()).select_from(EscalationAlert)) == 0


def test_the_owner_is_told_whom_the_first_tier_names_else_the_assignee_once_per_key(mail_app, setup):
    from triage.services.triage import escalation

    project, team, agent = setup  # P1's first tier names the assignee; P2's names the lead
    builders.policy("P2", tiers=((100, builders.EscalationTarget.LEAD),))
    assignee_item, lead_item = breached(setup), breached(setup, priority="P2")
    unpoliced = breached(setup, priority="P3")
    told = [escalation.tell_owner(item, f"regressed:{item.id}", "Regressed", "It is back", {"fix": 7})
            for item in (assignee_item, lead_item, unpoliced)]
    assert told == [1, 1, 1]
    assert escalation.tell_owner(lead_item, f"regressed:{lead_item.id}", "Regressed", "Again") == 0
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.recipient for n in notes] == [agent.email, "support-lead@example.com", agent.email]
    assert [n.dedupe_key for n in notes] == [f"regressed:{i.id}:u{u.id}" for i, u in
                                             ((assignee_item, agent), (lead_item, team.memberships[1].user),
                                              (unpoliced, agent))]
    assert notes[0].payload == {"text": "It is back", "item_id": assignee_item.id, "fix": 7}


def test_a_first_response_tier_fires_until_someone_answers(mail_app, setup):
    from triage.models import EscalationTier

    _, sink, _ = mail_app
    policy = builders.policy("P2", first=60, tiers=())
    policy.tiers.append(EscalationTier(deadline=builders.Deadline.FIRST_RESPONSE, threshold_percent=100,
                                       target=builders.EscalationTarget.LEAD, channel=builders.DeliveryChannel.EMAIL,
                                       active_since=builders.LONG_AGO))
    db.session.commit()
    waiting = breached(setup, hours_ago=0, priority="P2", title="Nobody answered")
    answered = breached(setup, hours_ago=0, priority="P2", title="Answered", first_responded_at=utcnow())
    assert worker.sweep(waiting.created_at + timedelta(minutes=59)).fired == 0
    assert worker.sweep(waiting.created_at + timedelta(minutes=61)).fired == 1
    assert [m["subject"] for m in sink.messages] == [f"[P2] #{waiting.id} Nobody answered: 100% of the first "
                                                     "response target"]
    assert db.session.scalars(select(EscalationAlert.feedback_id)).all() == [waiting.id]  # not the answered one


def test_a_tier_fires_at_its_exact_share_of_the_target_and_not_a_minute_before(mail_app, setup):
    item = breached(setup, hours_ago=0)  # a 4-hour target: 75% at 180 minutes, 100% at 240
    start = item.created_at
    assert [worker.sweep(start + timedelta(minutes=m)).fired for m in (179, 180, 239, 240)] == [0, 1, 0, 1]


def test_when_nobody_can_receive_the_highest_tier_the_next_one_fires(mail_app, setup):
    _, sink, _ = mail_app
    _, team, _ = setup
    manager = next(m.user for m in team.memberships if m.user.email.startswith("support-manager"))
    manager.email_escalations = False  # the manager switched escalation emails off
    db.session.commit()
    item = breached(setup)
    assert worker.sweep().fired == 1
    assert [m["to"] for m in sink.messages] == [["support-lead@example.com"]]
    states = db.session.execute(select(EscalationAlert.threshold_percent, EscalationAlert.state)
                                .order_by(EscalationAlert.threshold_percent)).all()
    assert states == [(75, AlertState.PASSED), (100, AlertState.SENT)]  # 150% is tried again next pass
    db.session.refresh(item)
    assert item.escalation_level == 2


def test_two_concurrent_sweeps_put_each_item_in_one_digest(mail_app, setup):
    app, sink, _ = mail_app
    found = [breached(setup) for _ in range(4)]
    now = utcnow()

    def sweep(barrier):
        barrier.wait()
        return worker.sweep(now)
    results = run_in_threads(app, sweep)
    assert sum(r.fired for r in results) == 4
    digests = sum(r.digests for r in results)  # one per sweep at most, each item in one of them
    assert digests in (1, 2) and sum(r.delivery.sent for r in results) == len(sink.messages) == digests
    bodies = "".join(m["body"] for m in sink.messages)
    assert all(bodies.count(f"#{item.id} ") == 1 for item in found)
    keys = db.session.scalars(select(EscalationAlert.key)).all()
    assert len(keys) == len(set(keys)) == 12  # per item: the manager's alert, two passed tiers


def test_a_digest_lists_every_item_grouped_by_tier(mail_app, setup):
    _, sink, _ = mail_app
    project, team, _ = setup
    past_lead = [breached(setup, hours_ago=4.5, title=f"Past the target {n}") for n in range(2)]
    unassigned = builders.item(project, utcnow() - timedelta(minutes=190), team=team, title="Nobody took it")
    summary = worker.sweep()
    assert (summary.fired, summary.digests) == (3, 1)
    (mail,) = sink.to("support-lead@example.com")
    body = mail["body"]
    assert body.index("Past 100% of the resolution target (2 items)") < body.index(
        "Past 75% of the resolution target (1 item)")
    assert all(f"#{i.id} [P1] {i.title}" in body for i in [*past_lead, unassigned])
    assert "breached 30 min ago" in body and f"/board/items/{unassigned.id}" in body
    notified = db.session.scalars(select(Event.feedback_id).where(Event.kind == "notified")).all()
    assert sorted(notified) == sorted(i.id for i in [*past_lead, unassigned])


def test_a_person_gets_at_most_the_hourly_cap_of_digests_and_the_rest_waits(make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, ESCALATION_HOURLY_CAP=2)
    with app.app_context():
        from triage.services.accounts import create_project

        builders.policy()
        team = builders.team_with_roles()
        setup = create_project("shop", "Shop"), team, team.memberships[0].user
        start = utcnow()
        for minute in range(3):  # a new breach every minute, a sweep every minute
            breached(setup, hours_ago=7)
            worker.sweep(start + timedelta(minutes=minute))
        assert len(sink.to("support-manager@example.com")) == 2
        waiting = db.session.scalars(select(EscalationAlert).where(EscalationAlert.state == AlertState.QUEUED)).all()
        assert len(waiting) == 1
        worker.sweep(start + timedelta(minutes=30))
        assert len(sink.to("support-manager@example.com")) == 2  # still within the hour
        worker.sweep(start + timedelta(minutes=61))
        assert len(sink.to("support-manager@example.com")) == 3
        assert f"#{waiting[0].feedback_id} " in sink.messages[-1]["subject"]


def test_a_tier_leaves_items_breached_before_it_existed_alone_unless_asked(mail_app, setup):
    from triage.services.triage import policies

    _, sink, _ = mail_app
    project, team, agent = setup
    backlog = breached(setup, priority="P2")
    policy = builders.policy("P2", tiers=(), active_since=utcnow())
    policies.add_tier(policy, deadline=builders.Deadline.RESOLUTION, threshold_percent=100,
                      target=builders.EscalationTarget.LEAD, channel=builders.DeliveryChannel.EMAIL, webhook_id=None)
    builders.sla.apply_sla(backlog)
    db.session.commit()
    fresh = builders.item(project, utcnow(), priority="P2", team=team, assignee=agent, title="New one")
    assert worker.sweep().fired == 0 and sink.messages == []
    assert db.session.scalars(select(EscalationAlert.state)).all() == []
    assert worker.sweep(utcnow() + timedelta(hours=5)).fired == 1  # the new item breaches later: it fires
    assert [m["subject"] for m in sink.messages] == [f"[P2] #{fresh.id} New one: 100% of the resolution target"]


def test_the_admin_may_escalate_the_existing_backlog(mail_app, setup):
    from triage.services.triage import policies

    _, sink, _ = mail_app
    found = [breached(setup, priority="P2") for _ in range(3)]
    policy = builders.policy("P2", tiers=())
    for percent in (75, 100):
        policies.add_tier(policy, deadline=builders.Deadline.RESOLUTION, threshold_percent=percent,
                          target=builders.EscalationTarget.LEAD, channel=builders.DeliveryChannel.EMAIL,
                          webhook_id=None, include_backlog=True)
    for item in found:
        builders.sla.apply_sla(item)
    db.session.commit()
    assert worker.sweep().fired == 3
    assert [m["subject"] for m in sink.messages] == ["Escalations: 3 items need attention"]


def test_the_demo_backlog_sends_at_most_five_emails_to_anyone(mail_app):
    from collections import Counter

    from triage.models import EscalationTier
    from triage.services import demo

    _, sink, _ = mail_app
    demo.seed(120)
    db.session.commit()
    first = worker.sweep()
    assert first.fired == 0 and sink.messages == []  # the tiers came after the backlog
    for tier in db.session.scalars(select(EscalationTier)):
        tier.include_backlog = True  # the admin asks for the backlog
    db.session.commit()
    summary = worker.sweep()
    per_person = Counter(m["to"][0] for m in sink.messages)
    assert summary.fired >= 5 and per_person and max(per_person.values()) <= 5, per_person
    assert summary.digests == len(per_person) == len(sink.messages)  # one digest each
    assert worker.sweep().delivery.sent == 0


def flask_process(*args: str, port: int = 1) -> subprocess.Popen:
    """`flask triage ...` in a real process on the test's database and SMTP server."""
    env = {**os.environ, "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "SECRET_KEY": "test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "FLASK_APP": "wsgi"}
    return subprocess.Popen([sys.executable, "-m", "flask", "triage", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sweep_killed_in_the_middle_of_sending_sends_nothing_twice_after_restart(mail_app, setup):
    _, sink, port = mail_app
    breached(setup)  # the manager's digest
    breached(setup, hours_ago=3.2)  # the assignee's (80% of the target)
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
    assert states == [("pending", 1), ("sent", 1)]  # claimed, then the process died
    sink.hold_after = None
    for _ in range(2):  # the restarted worker, after the claims' lease has run out
        worker.sweep(utcnow() + timedelta(minutes=2))
    assert sorted(m["to"][0] for m in sink.messages) == ["support-agent-0@example.com", "support-manager@example.com"]


def test_a_sweep_that_dies_before_its_digests_sends_them_once_on_the_next_pass(mail_app, setup, monkeypatch):
    _, sink, _ = mail_app
    breached(setup)

    def die(*_):
        raise RuntimeError("killed")
    monkeypatch.setattr(worker, "digest_pass", die)
    with pytest.raises(RuntimeError):
        worker.sweep()
    monkeypatch.undo()
    db.session.rollback()
    summaries = [worker.sweep() for _ in range(2)]
    assert [(s.fired, s.digests) for s in summaries] == [(0, 1), (0, 0)]
    assert [m["to"] for m in sink.messages] == [["support-manager@example.com"]]


def test_the_sweep_command_prints_its_summary(mail_app, setup):
    app, sink, _ = mail_app
    breached(setup)
    result = app.test_cli_runner().invoke(args=["triage", "sweep"])
    assert result.exit_code == 0, result.output
    assert "fired 1 escalation tiers, queued 1 digests" in result.output and "delivered 1" in result.output


def test_the_worker_runs_passes_until_sigterm(mail_app):
    app, _, port = mail_app
    result = app.test_cli_runner().invoke(args=["triage", "worker", "--once"])
    assert "worker stopped after 1 passes" in result.output
    running = flask_process("worker", "--interval", "0.2", port=port)
    assert "checked 0 items" in running.stdout.readline()
    running.send_signal(signal.SIGTERM)
    out, err = running.communicate(timeout=10)
    assert running.returncode == 0 and "worker stopped" in out, err
