"""The demo's spike, replayed: a burst of real reports on the theme the demo PM follows opens a
spike alert, and the PM receives its email over real SMTP; a second replay within the cooldown
stays quiet. The demo's themes come from one product's corpus domains."""
import re
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage.extensions import db
from triage.models import Feedback, SpikeAlert, Theme, ThemeFollower, User
from triage.services import demo


@pytest.fixture
def demo_app(make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context():
        demo.seed(120)
        db.session.commit()
        yield app, sink


def test_replaying_the_demo_spike_emails_the_pm_who_follows_the_theme_once(demo_app):
    app, sink = demo_app
    domains = {item.context["corpus_id"].split("-")[0] for item in db.session.scalars(select(Feedback))}
    assert domains <= set(demo.DOMAINS)  # one product's reports, so its themes can be named
    pm = db.session.scalar(select(User).where(User.email == "pm@demo.test"))
    follows = db.session.scalars(select(ThemeFollower).where(ThemeFollower.user_id == pm.id)).all()
    assert len(follows) == 1
    followed = db.session.get(Theme, follows[0].theme_id)
    before = db.session.scalar(select(func.count()).select_from(Feedback))
    result = app.test_cli_runner().invoke(args=["triage", "replay-spike", "--project", "demo"])
    assert result.exit_code == 0, result.output
    assert f"12 new reports on theme {followed.name!r}" in result.output
    assert re.search(r"[1-9]\d* alerts opened", result.output)  # the theme's, maybe its categories' too
    burst = db.session.scalars(select(Feedback).order_by(Feedback.id.desc()).limit(12)).all()
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == before + 12
    assert all(item.theme_id == followed.id and item.context.get("corpus_id") for item in burst)  # real texts
    mails = sink.to("pm@demo.test")
    assert len(mails) == 1
    assert str(make_header(decode_header(mails[0]["subject"]))).startswith(f"Spike in theme {followed.name!r}")
    assert "/insights/?project=" in mails[0]["body"]
    assert db.session.scalar(select(SpikeAlert).where(SpikeAlert.theme_id == followed.id)).status == "open"
    again = app.test_cli_runner().invoke(args=["triage", "replay-spike", "--count", "5"])
    assert again.exit_code == 0 and "0 alerts opened" in again.output and "quiet for a week" in again.output
    assert len(sink.to("pm@demo.test")) == 1


def test_replaying_on_an_unknown_project_is_a_clear_error(app, runner):
    result = runner.invoke(args=["triage", "replay-spike", "--project", "nope"])
    assert result.exit_code == 1 and "No project 'nope'" in result.output
