"""The settings intake keeps in memory per process (services/snapshot.py): a change an admin
commits in another session is used by the next intake, a change still open in the intake's own
transaction is used by it and forgotten with a rollback, and intakes alone never move the stamp."""
from sqlalchemy import select

from tests import builders
from tests.conftest import run_in_threads
from tests.widget_support import app, project  # noqa: F401
from triage.extensions import db
from triage.models import (
    DisabledDefaultRule,
    Kind,
    Notification,
    RoutingRule,
    SettingsStamp,
    SlaPolicy,
    Strategy,
    Team,
    Webhook,
)
from triage.services import snapshot
from triage.services.intake import Submission, accept, widget
from triage.services.triage import rules

BUG = Submission(kind=Kind.BUG, title="Export crashes", body="Every time I export.")


def submit(project, **fields):
    item, _ = accept(project, Submission(**{**BUG.__dict__, "context": {}, **fields}))
    db.session.commit()
    return item


def stamp() -> str:
    return db.session.scalar(select(SettingsStamp.value))


def in_another_session(app, change):
    """Run `change()` and commit in a session of its own, as another process would."""
    def work(_barrier):
        change()
        db.session.commit()
    run_in_threads(app, work, count=1)


def test_an_admins_changes_in_another_session_are_used_by_the_next_intake(app, project):
    support = builders.team_with_roles("Support", members=1)
    db.session.add(RoutingRule(name="Bugs", position=0, conditions={"kind": "bug"}, team=support,
                               strategy=Strategy.ROUND_ROBIN))
    for n, priority in enumerate(("P1", "P2", "P3", "P4", "P5"), start=1):
        builders.policy(priority, first=60 * n, resolution=240 * n)
    first = submit(project)  # the snapshot is loaded and cached now
    assert first.team.name == "Support"
    assert snapshot.cached("webhooks", lambda session: None) == []
    db.session.rollback()  # the stamp is read once per transaction: the next intake is a new one

    def change():
        night = Team(name="Night shift", calendar={})
        db.session.add(night)
        db.session.add(RoutingRule(name="Everything at night", position=-1, conditions={}, team=night,
                                   strategy=Strategy.NONE))
        db.session.add(DisabledDefaultRule(name="outage"))
        db.session.add(Webhook(name="ops", url="https://hooks.example.com/new", secret="s", events=["created"]))
        for policy in db.session.scalars(select(SlaPolicy)):
            policy.first_response_minutes = 7
    in_another_session(app, change)

    second = submit(project)
    assert second.team.name == "Night shift" and second.assignee is None
    assert (second.first_response_due - second.created_at).total_seconds() == 7 * 60
    assert db.session.scalar(select(Notification.recipient).where(Notification.feedback_id == second.id)) \
        == "https://hooks.example.com/new"
    assert "outage" in snapshot.cached("rulebook", rules.rulebook).disabled


def test_a_project_changed_in_another_session_is_read_again_by_its_key(app, project):
    assert widget.project_with_key(project.public_key).name == "Shop"
    key, project_id = project.public_key, project.id
    db.session.commit()

    def rename():
        db.session.get(type(project), project_id).name = "Shop two"
    in_another_session(app, rename)
    db.session.expire_all()
    assert widget.project_with_key(key).name == "Shop two"


def test_a_rule_added_in_the_open_transaction_routes_it_and_a_rollback_forgets_it(app, project):
    support = builders.team_with_roles("Support", members=1)
    submit(project)  # cached: no rule
    db.session.add(RoutingRule(name="Bugs", position=0, conditions={"kind": "bug"}, team=support,
                               strategy=Strategy.NONE))
    db.session.flush()
    item, _ = accept(project, BUG)
    assert item.team is support
    db.session.rollback()
    assert submit(project).team is None


def test_intakes_alone_leave_the_stamp_where_it_is(app, project):
    support = builders.team_with_roles("Support", members=1)  # an agent and the lead take turns
    db.session.add(RoutingRule(name="Bugs", position=0, conditions={"kind": "bug"}, team=support,
                               strategy=Strategy.ROUND_ROBIN))
    db.session.commit()
    before = stamp()
    picked = [submit(project).assignee for _ in range(3)]
    assert stamp() == before
    assert picked[0] != picked[1] and picked[0] == picked[2]  # the rotation still turns
