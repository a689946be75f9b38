"""Fixtures: an app on a fresh database per test (SQLite file, or a PostgreSQL schema
when TEST_DATABASE_URL is set), its client and CLI runner, and helpers to sign in."""
from __future__ import annotations

import contextvars
import os
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from flask import has_app_context
from flask.testing import FlaskClient

from triage import create_app
from triage.config import normalise_database_url
from triage.extensions import db
from triage.models import Role
from triage.services import accounts

PASSWORD = "correct horse battery"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SESSION_COOKIE_SECURE": False,
        "WEBHOOK_ALLOW_PRIVATE": True,  # the webhook receivers of the tests listen on 127.0.0.1
    }


class IsolatedClient(FlaskClient):
    """A client whose requests get their own app context, as in production.

    Flask reuses an app context the test has pushed, which would share `g` (and so
    Flask-Login's cached user) across requests; an empty context prevents that. After
    each request the test's session forgets what it loaded, so it sees the request's commits.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def database_url(tmp_path):
    """A database nobody else uses: a new SQLite file, or a new PostgreSQL schema (searched
    first; public after it, where shared extensions such as pg_trgm live)."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server = normalise_database_url(server)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in server else "?"
    yield f"{server}{sep}options=-csearch_path%3D{schema}%2Cpublic"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test database with extra config; tables made from the models
    (the migrations are checked against them in test_migrations)."""
    apps = []

    def make(create_tables: bool = True, **overrides):
        config = {**base_config(database_url), "MODEL_FOLDER": str(tmp_path / "models"),
                  "IMPORT_FOLDER": str(tmp_path / "imports"), "EXPORT_FOLDER": str(tmp_path / "exports"), **overrides}
        app = create_app(config)
        app.test_client_class = IsolatedClient
        if create_tables:
            with app.app_context():
                db.create_all()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def project(app):
    p = accounts.create_project("demo", "Demo App")
    db.session.commit()
    return p


def make_user(role: Role, email: str | None = None, **kwargs):
    user = accounts.create_user(email or f"{role.value}-{uuid.uuid4().hex[:6]}@example.com",
                                PASSWORD, role, **kwargs)
    db.session.commit()
    return user


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        self.client.get("/auth/login")
        return self.client.post("/auth/login", data={
            "email": email, "password": password, "csrf_token": csrf_from(self.client, "/auth/login")})

    def logout(self):
        return self.client.post("/auth/logout", data={"csrf_token": csrf_from(self.client, "/board/")})


def run_in_threads(app, work, count: int = 2) -> list:
    """Run `work(barrier)` in `count` threads at once, each in its own app context (so its own
    session and connection); `work` waits on the barrier where the threads should meet.
    Returns what each returned; an exception in a thread fails the test."""
    barrier, results, errors = threading.Barrier(count, timeout=30), [], []

    def run():
        with app.app_context():
            try:
                results.append(work(barrier))
            except Exception as error:  # collected: the assertion below shows it
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(results) == count, errors
    return results


def csrf_from(client, path: str) -> str:
    """The CSRF token a real browser would find in the page's form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def agent(app):
    return make_user(Role.AGENT, "agent@example.com", name="Agent Smith")


@pytest.fixture
def admin(app):
    return make_user(Role.ADMIN, "admin@example.com", name="Ada Admin")


@pytest.fixture
def pm(app):
    return make_user(Role.PM, "pm@example.com", name="Pat PM")
