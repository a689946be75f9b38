"""The `flask triage` commands."""
import re

from sqlalchemy import func, select

from tests.conftest import Auth
from triage.extensions import db
from triage.models import Event, Feedback, ModelVersion, Project, Role, Theme, User, utcnow
from triage.services.triage import classify


def test_create_user_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["triage", "create-user", "Sam@Example.com", "--role", "agent",
                                 "--name", "Sam", "--team", "Support"], input="long enough pw\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.role, user.name) == ("sam@example.com", Role.AGENT, "Sam")
    assert [t.name for t in user.teams] == ["Support"]
    assert Auth(app.test_client()).login("sam@example.com", "long enough pw").status_code == 302


def test_create_user_refuses_a_short_password_and_a_duplicate(runner):
    result = runner.invoke(args=["triage", "create-user", "a@example.com", "--role", "pm"], input="short\n")
    assert result.exit_code != 0 and "at least 8" in result.output
    runner.invoke(args=["triage", "create-user", "a@example.com", "--role", "pm"], input="long enough pw\n")
    result = runner.invoke(args=["triage", "create-user", "a@example.com", "--role", "pm"], input="long enough pw\n")
    assert result.exit_code != 0 and "already exists" in result.output


def test_create_project_prints_its_form_address(runner):
    result = runner.invoke(args=["triage", "create-project", "shop", "--name", "Shop"])
    assert result.exit_code == 0 and "/p/shop" in result.output
    assert db.session.scalars(select(Project)).one().name == "Shop"


def test_demo_migrates_seeds_and_prints_working_logins(make_app):
    app = make_app(create_tables=False)
    result = app.test_cli_runner().invoke(args=["triage", "demo", "--no-serve", "--items", "120"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Feedback)) == 120
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "created")) == 120
        versions = set(db.session.scalars(select(Feedback.model_version)))
        active = db.session.scalar(select(ModelVersion.version).where(ModelVersion.active))
        assert versions <= {active, None}  # classified by the model the demo trained, or corrected
        demo_items = db.session.scalars(select(Feedback)).all()
        assert all(item.context.get("corpus_id") for item in demo_items)  # real reports, not templates
        now = utcnow()
        open_due = [item.resolution_due for item in demo_items
                    if item.status.is_open and item.duplicate_of_id is None and item.resolution_due]
        breached = sum(due < now for due in open_due)
        assert 1 <= breached <= 0.15 * len(open_due)  # most open items are within their SLA, a few breached
        kinds = set(db.session.scalars(select(Event.kind)))
        assert {"replied", "commented", "status_changed", "reclassified", "merged"} <= kinds
        assert classify.review_queue(50)  # a few uncertain items wait in Needs review
        assert db.session.scalar(select(func.count()).select_from(Theme)) >= 3  # the demo has themes
    logins = {line.split()[1]: line.split()[-1] for line in result.output.splitlines() if "password:" in line}
    assert set(logins) == {"admin@demo.test", "agent@demo.test", "pm@demo.test"}
    assert Auth(app.test_client()).login("agent@demo.test", logins["agent@demo.test"]).status_code == 302
    pm = app.test_client()
    assert Auth(pm).login("pm@demo.test", logins["pm@demo.test"]).headers["Location"].endswith("/insights/")
    insights = pm.get("/insights/?days=30").get_data(as_text=True)  # ranked at once, before any worker runs
    assert len(re.findall(r'<td><a href="/insights/themes/\d+">', insights)) >= 3
    again = app.test_cli_runner().invoke(args=["triage", "demo", "--no-serve", "--items", "120"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Feedback)) == 120  # not seeded twice
