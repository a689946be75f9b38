"""Deferred triage (`flask triage worker`'s batches) gives every item what inline triage gives it
in the request: the same labels, team and assignee, SLA due times, events and outbox rows; and
the worker classifies on a thread of its own, so a long sweep does not hold triage back."""
import re
import threading
import time

import pytest
from sqlalchemy import select

from tests import builders
from triage import worker
from triage.extensions import db
from triage.models import Event, Feedback, Kind, Notification, Project, RoutingRule, Severity, Strategy, Webhook
from triage.services import accounts
from triage.services.intake import Submission, submit_feedback

SUBMISSIONS = [
    (Kind.BUG, "Production down: the app crashes for all users", "Since the update.", Severity.CRITICAL),
    (Kind.BUG, "Export to CSV fails with an error", "Every time I click export.", None),
    (Kind.IDEA, "Please add a dark mode", "My eyes hurt at night.", None),
    (Kind.BUG, "Payment charged twice", "My card was billed two times for one order.", Severity.HIGH),
    (Kind.FEEDBACK, "How do I reset my password?", "", None),
    (Kind.BUG, "Typo on the pricing page", "It says 'pirce'.", Severity.LOW),
    (Kind.BUG, "Login page is slow", "Takes ten seconds.", None),
    (Kind.BUG, "Data lost after sync", "All my notes are gone.", Severity.CRITICAL),
]  # six bugs: two full turns of the three people in rotation, so both runs start at the same one


@pytest.fixture
def setup(make_app):
    """An inline app and a deferred one on the same database: a round-robin rule over a team of
    two agents for bugs (with the lead, three people in turn), a policy per priority, a webhook on two kinds."""
    inline = make_app(CLASSIFY_INLINE=True)
    deferred = make_app(create_tables=False, CLASSIFY_INLINE=False)
    with inline.app_context():
        team = builders.team_with_roles("Support", members=2)
        project = accounts.create_project("shop", "Shop")
        db.session.add(RoutingRule(name="Bugs", position=0, conditions={"kind": "bug"}, team=team,
                                   strategy=Strategy.ROUND_ROBIN))
        for n, priority in enumerate(("P1", "P2", "P3", "P4", "P5"), start=1):
            builders.policy(priority, first=60 * n, resolution=240 * n)
        db.session.add(Webhook(name="ops", url="https://hooks.example.com/a", secret="s3cret",
                               events=["created", "classified", "assigned"]))
        db.session.commit()
        return inline, deferred, project.id


def submit_all(project_id: int, tag: str) -> list[int]:
    project = db.session.get(Project, project_id)
    ids = []
    for kind, title, body, severity in SUBMISSIONS:
        item = submit_feedback(project, Submission(kind=kind, title=title, body=body, severity=severity,
                                                   email=f"{tag}@example.com"))
        db.session.commit()
        ids.append(item.id)
    return ids


def outcome(item_id: int) -> dict:
    """What triage gave an item, with its own id and times taken out."""
    item = db.session.get(Feedback, item_id)

    def plain(text: str) -> str:
        return re.sub(rf"#{item_id}\b|/items/{item_id}\b|\d{{4}}-\d\d-\d\d \d\d:\d\d", "<x>", text)

    events = db.session.scalars(select(Event).where(Event.feedback_id == item_id).order_by(Event.id)).all()
    notes = db.session.scalars(select(Notification).where(Notification.feedback_id == item_id)).all()
    kinds = {e.id: e.kind for e in events}
    return {
        "labels": (item.category, item.impact, item.urgency, item.priority, item.confidence, item.model_version,
                   sorted(item.tags), item.prediction, item.status, item.theme_id),
        "routing": (item.team_id, item.assignee_id),
        "due": (item.first_response_due - item.created_at, item.resolution_due - item.created_at),
        "events": [(e.kind, e.actor_id, e.data) for e in events],
        # A "created" event is told with the item as it is then: deferred, before its triage.
        "outbox": sorted((n.channel.value, n.recipient, plain(n.subject), re.sub(r"\d+", "<n>", n.dedupe_key),
                          plain(n.payload.get("text", "")) if "webhook" not in n.dedupe_key
                          or kinds[int(n.dedupe_key.split(":")[1])] != "created" else "")
                         for n in notes),
    }


def test_the_worker_triages_each_item_as_inline_intake_does(setup):
    inline, deferred, project_id = setup
    with inline.app_context():
        inline_ids = submit_all(project_id, "inline")
    with deferred.app_context():
        deferred_ids = submit_all(project_id, "deferred")
        assert all(db.session.get(Feedback, i).category is None for i in deferred_ids)
        assert worker.classify_pass() == len(SUBMISSIONS)
        db.session.remove()
    with inline.app_context():
        for inline_id, deferred_id in zip(inline_ids, deferred_ids):
            was, now = outcome(inline_id), outcome(deferred_id)
            assert was["labels"][0] and was["due"][0]  # classified and given an SLA (bugs routed too)
            for outbox in (was["outbox"], now["outbox"]):  # the submitter's address is the one difference
                outbox[:] = [tuple(v.replace("inline@", "x@").replace("deferred@", "x@") if isinstance(v, str) else v
                                   for v in row) for row in outbox]
            for key in was:
                assert now[key] == was[key], (key, now[key], was[key])
        assert {outcome(i)["routing"][1] for i in inline_ids} > {None}  # the rotation had work to do


def test_the_worker_classifies_on_a_thread_of_its_own(setup):
    """While the main thread sweeps (or runs a long job), the Classifier thread triages."""
    _, deferred, project_id = setup
    with deferred.app_context():
        ids = submit_all(project_id, "deferred")
        stop = threading.Event()
        classifier = worker.Classifier(stop, 0.05)
        classifier.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and classifier.done < len(ids):
                time.sleep(0.05)
        finally:
            stop.set()
            classifier.join(60)
        assert not classifier.is_alive()
        assert classifier.taken() == len(ids) and classifier.taken() == 0
        db.session.remove()
        assert all(db.session.get(Feedback, i).category for i in ids)
