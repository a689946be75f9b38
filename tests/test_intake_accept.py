"""intake.accept, the verb behind every channel: one flush and a fixed handful of SQL
statements for a whole inline intake, and one item for an idempotency key sent twice at once."""
import threading

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from tests import builders
from tests.conftest import run_in_threads
from tests.widget_support import ORIGIN, app, form_token, project  # noqa: F401
from triage.extensions import db
from triage.models import Event, Feedback, Kind, Notification, RoutingRule, Strategy, Webhook
from triage.services import intake

# The settings stamp (services/snapshot.py: project, model version, keyword and default rules,
# routing rules with teams and members, SLA policies, themes and webhooks come from the
# per-process copy it vouches for), the idempotency key, the round-robin turn, savepoint and its
# release, the item, its events, the outbox rows (the webhook's two posts and the assignee's
# email). PostgreSQL inserts many rows in one statement and takes the turn on its own connection
# (SET LOCAL + one UPDATE); SQLite inserts one row a statement (RETURNING the id, no sentinel).
# 23 and 25 before intake.accept; 19 and 16 before the snapshot.
STATEMENTS = {"sqlite": 12, "postgresql": 9}


@pytest.fixture
def routed(project):
    """A round-robin rule, a policy for every priority and a webhook hearing two event kinds:
    every step of the inline path has work to do."""
    team = builders.team_with_roles("Support", members=2)
    db.session.add(RoutingRule(name="Bugs", position=0, conditions={"kind": "bug"}, team=team,
                               strategy=Strategy.ROUND_ROBIN))
    for n, priority in enumerate(("P1", "P2", "P3", "P4", "P5"), start=1):
        builders.policy(priority, first=60 * n, resolution=240 * n)
    db.session.add(Webhook(name="ops", url="https://hooks.example.com/a", secret="s3cret",
                           events=["created", "classified"]))
    db.session.commit()
    return project


def recorded(work) -> list[str]:
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(" ".join(sql.split()))

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_an_inline_intake_is_one_insert_and_a_fixed_handful_of_statements(client, routed):
    body = {"public_key": routed.public_key, "kind": "bug", "message": "Export crashes\nEvery time.",
            "form_token": form_token(client, routed.public_key)}
    client.post("/api/v1/feedback", json=body, headers={"Origin": ORIGIN})  # the model and rules are warm
    responses = []
    statements = recorded(lambda: responses.append(client.post(
        "/api/v1/feedback", json=body, headers={"Origin": ORIGIN, "Idempotency-Key": "intake-cost-1"})))
    assert responses[0].status_code == 201
    item = db.session.get(Feedback, responses[0].json["id"])
    assert item.category and item.assignee and item.first_response_due  # classified, routed, given an SLA
    assert sum(s.startswith("INSERT INTO feedback") for s in statements) == 1
    assert not any(s.startswith("UPDATE feedback") for s in statements)  # labels, team, due times: all in the insert
    assert sum("FROM feedback" in s for s in statements) == 1  # the idempotency key is read once
    assert len(statements) == STATEMENTS[db.engine.dialect.name], "\n".join(statements)
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.feedback_id == item.id)) == 3


def test_a_key_sent_twice_at_once_makes_one_item_and_both_get_it(app, routed, monkeypatch):
    real, first_look, project_id = intake.item_by_idempotency_key, threading.local(), routed.id

    def submit(barrier):
        def racing_lookup(project, key):
            found = real(project, key)
            if not getattr(first_look, "done", False):
                first_look.done = True
                barrier.wait()  # both looked before either stored
            return found

        monkeypatch.setattr(intake, "item_by_idempotency_key", racing_lookup)
        project = db.session.get(type(routed), project_id)
        item, created = intake.accept(project, intake.Submission(
            kind=Kind.BUG, title="Checkout fails", idempotency_key="same-key-at-once"))
        db.session.commit()
        return item.id, created

    results = run_in_threads(app, submit)
    assert len({item_id for item_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "created")) == 1
