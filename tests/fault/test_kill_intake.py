"""Kill test: gunicorn -w 4 SIGKILLed (the whole process group) five times under client threads
that retry each Idempotency-Key until acknowledged; nothing acknowledged is lost or doubled.
The same harness against an app that ignores the key must find doubles (it can fail)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, select, text

from tests.fault.harness import TITLE, Gunicorn, problems, run_kill_test
from triage.extensions import db
from triage.models import Feedback
from triage.services import accounts
from triage.services.intake import antispam

ORIGIN = "https://shop.example.com"
SECRET = "fault-test-secret"
UNLIMITED = "100000 per minute"


def server_env(database_url: str, tmp_path) -> dict:
    """The production configuration, from the environment only; rate limits out of the way
    (every client is 127.0.0.1), screenshots and models in the test's folder."""
    import os

    return {**os.environ, "TRIAGE_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"), "MODEL_FOLDER": str(tmp_path / "models"),
            "API_RATE_LIMIT_PER_ADDRESS": UNLIMITED, "API_RATE_LIMIT_PER_KEY": UNLIMITED,
            "API_RATE_LIMIT_OVERALL": UNLIMITED, "FAULT_ACK_DELAY": "0.1"}


@pytest.fixture
def served(tmp_path):
    servers = []

    def serve(target: str, env: dict) -> Gunicorn:
        servers.append(Gunicorn(target, env, tmp_path / "gunicorn.log"))
        return servers[-1]

    yield serve
    for server in servers:
        server.close()


def test_no_acknowledged_submission_is_lost_or_doubled_when_gunicorn_is_killed(make_app, database_url,
                                                                              tmp_path, served):
    app = make_app()
    with app.app_context():
        project = accounts.create_project("shop", "Shop")
        project.allowed_origins = [ORIGIN]
        db.session.commit()
        public_key = project.public_key
    # A form token issued a minute ago: the submissions pass the minimum fill time, as a person's would.
    token = antispam.issue_form_token(public_key, SECRET, now=time.time() - 60)
    server = served("wsgi:app", server_env(database_url, tmp_path))

    outcome = run_kill_test(server, {"public_key": public_key, "kind": "bug", "form_token": token},
                            {"Origin": ORIGIN})

    with app.app_context():
        rows = db.session.execute(select(Feedback.id, Feedback.title, Feedback.idempotency_key,
                                         Feedback.quarantined)
                                  .where(Feedback.title.startswith(TITLE))).all()
    print(f"kills {outcome.kills}, acknowledged {len(outcome.acked)}, replays {outcome.replays}, "
          f"failed attempts {outcome.failed_attempts}, rows {len(rows)}")
    assert outcome.errors == [] and outcome.kills >= 5
    assert problems(outcome, [(r.id, r.title) for r in rows]) == {"duplicated": [], "missing": [], "wrong_id": []}
    assert all(r.title == f"{TITLE} {r.idempotency_key}" and not r.quarantined for r in rows)
    # The kills did land between a commit and its acknowledgement: keys answered 200 on a retry.
    assert outcome.replays > 0 and outcome.failed_attempts > 0


def test_the_kill_test_finds_doubles_where_the_key_is_ignored(database_url, tmp_path, served):
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE fault_naive_submissions (id "
                          + ("INTEGER PRIMARY KEY AUTOINCREMENT" if engine.dialect.name == "sqlite"
                             else "SERIAL PRIMARY KEY") + ", title TEXT NOT NULL)"))
    server = served("tests.fault.naive_app:app", server_env(database_url, tmp_path))

    outcome = run_kill_test(server, {"kind": "bug"}, {})

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, title FROM fault_naive_submissions")).all()
    engine.dispose()
    found = problems(outcome, [tuple(r) for r in rows])
    print(f"kills {outcome.kills}, acknowledged {len(outcome.acked)}, rows {len(rows)}, "
          f"duplicated {len(found['duplicated'])}")
    assert outcome.errors == [] and outcome.kills >= 5
    assert found["duplicated"] and found["wrong_id"]
