"""Scale-out on the engines we have: real gunicorn processes on 127.0.0.1 sharing one Redis (the
rate-limit counters) and, for two app servers, one PostgreSQL (sessions, items, the queue)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.conftest import PASSWORD, make_user
from tests.fault import test_worker_kill
from tests.fault.test_worker_kill import Sinks, Worker, counts, wait_until
from tests.servers import free_port
from triage.extensions import db
from triage.models import DeliveryChannel, Event, Feedback, Role
from triage.services import accounts
from triage.services.delivery import notify
from triage.services.intake import antispam

ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = "redis://127.0.0.1:6379/11"  # not the default db 0 that others use on this machine
SECRET = "scale-test-secret"
LIMIT = 12


def redis_or_skip():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    client = Redis.from_url(REDIS_DB)
    try:
        client.ping()
    except RedisDown:
        pytest.skip("no Redis at 127.0.0.1:6379: the shared counters need one")
    return client


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own; its keys (only those) are deleted afterwards."""
    client, prefix = redis_or_skip(), f"scale-{uuid.uuid4().hex[:10]}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


class Gunicorn:
    """`gunicorn --preload -w N wsgi:app` on a free loopback port in its own process group; the
    access log records which worker (pid) answered each request."""

    def __init__(self, env: dict, log_dir: Path, name: str, workers: int = 4):
        self.port, self.access = free_port(), log_dir / f"{name}-access.log"
        self.errors = log_dir / f"{name}-error.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--access-logfile", str(self.access), "--access-logformat", "%(p)s %(s)s %(U)s",
             "--error-logfile", str(self.errors), "wsgi:app"],
            cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.errors.read_text()
            try:
                requests.get(self.url("/nothing-here"), timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not answer within 60 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def pids_that_answered(self, path_prefix: str) -> set[str]:
        lines = self.access.read_text().splitlines() if self.access.exists() else []
        return {line.split()[0] for line in lines if line.split()[2].startswith(path_prefix)}

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
        except ProcessLookupError:
            pass


@pytest.fixture
def gunicorns(tmp_path):
    started = []

    def start(env: dict, name: str = "app") -> Gunicorn:
        started.append(Gunicorn(env, tmp_path, name))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def server_env(database_url: str, tmp_path: Path, **extra) -> dict:
    """Production configuration from the environment only, as an operator would start it."""
    inherited = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    return {**inherited, "TRIAGE_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
           "UPLOAD_FOLDER": str(tmp_path / "uploads"), "MODEL_FOLDER": str(tmp_path / "models"), **extra}


def guess_status_links(server: Gunicorn, count: int) -> list[requests.Response]:
    """`count` unknown status links at once from 8 threads (so several workers answer)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda n: requests.get(server.url(f"/status/guess-{n}"), timeout=20), range(count)))


def test_gunicorn_workers_share_one_rate_limit_in_redis(make_app, database_url, tmp_path, gunicorns, redis_prefix):
    make_app()  # the tables
    server = gunicorns(server_env(database_url, tmp_path, REDIS_URL=REDIS_DB, RATELIMIT_KEY_PREFIX=redis_prefix,
                                  AUTH_FAILURE_RATE_LIMIT=f"{LIMIT} per minute"))

    answers = guess_status_links(server, LIMIT)
    over = requests.get(server.url("/status/one-too-many"), timeout=20)

    assert [a.status_code for a in answers] == [404] * LIMIT
    assert len(server.pids_that_answered("/status/")) >= 2, "one worker answered everything: nothing shared"
    assert over.status_code == 429 and 0 < int(over.headers["Retry-After"]) <= 60


def test_without_redis_each_worker_counts_alone(make_app, database_url, tmp_path, gunicorns):
    """The control: the same requests against in-memory counters pass the limit (so the test above can fail)."""
    make_app()
    server = gunicorns(server_env(database_url, tmp_path, AUTH_FAILURE_RATE_LIMIT=f"{LIMIT} per minute"))

    answers = guess_status_links(server, 3 * LIMIT)

    assert len(server.pids_that_answered("/status/")) >= 2
    assert Counter(a.status_code for a in answers)[404] > LIMIT


def session_cookie(response: requests.Response) -> str:
    """The `session=...` pair the server set (Secure in production: sent by hand over loopback HTTP)."""
    found = [c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert found, f"no session cookie from {response.url}"
    return found[-1].split(";")[0]


def sign_in(server: Gunicorn, email: str) -> str:
    page = requests.get(server.url("/auth/login"), timeout=20)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)
    answer = requests.post(server.url("/auth/login"), data={"email": email, "password": PASSWORD, "csrf_token": token},
                           headers={"Cookie": session_cookie(page)}, allow_redirects=False, timeout=20)
    assert answer.status_code in (302, 303), answer.text[:300]
    return session_cookie(answer)


ORIGIN = "https://shop.example.com"
ITEMS, NOTES = 40, 20


def test_two_app_servers_share_sessions_items_and_one_queue_drained_once(make_app, database_url, tmp_path,
                                                                          gunicorns, redis_prefix, sinks,
                                                                          monkeypatch):
    if database_url.startswith("sqlite"):
        pytest.skip("two app servers share one PostgreSQL, not a SQLite file: run with TEST_DATABASE_URL")
    app = make_app(CLASSIFY_INLINE=False)
    with app.app_context():
        project = accounts.create_project("shop", "Shop")
        project.allowed_origins = [ORIGIN]
        admin = make_user(Role.ADMIN, "admin@example.com")
        public_key, email = project.public_key, admin.email
    env = server_env(database_url, tmp_path, REDIS_URL=REDIS_DB, RATELIMIT_KEY_PREFIX=redis_prefix,
                     TRIAGE_CLASSIFY_INLINE="0", API_RATE_LIMIT_PER_ADDRESS="1000 per minute")
    first, second = gunicorns(env, "first"), gunicorns(env, "second")

    # A session made by one app server is valid on the other (same SECRET_KEY, nothing kept in a process).
    cookie = sign_in(first, email)
    board = requests.get(second.url("/board/"), headers={"Cookie": cookie}, allow_redirects=False, timeout=20)
    assert board.status_code == 200

    # Submissions accepted by either are on the other's board.
    token = antispam.issue_form_token(public_key, SECRET, now=time.time() - 60)
    titles = [f"Scale item {n} from the {('first', 'second')[n % 2]} server" for n in range(ITEMS)]
    for n, title in enumerate(titles):
        answer = requests.post((first, second)[n % 2].url("/api/v1/feedback"), timeout=20,
                               headers={"Origin": ORIGIN, "Idempotency-Key": f"scale-item-{n:04d}"},
                               json={"public_key": public_key, "kind": "bug", "form_token": token, "message": title})
        assert answer.status_code == 201, answer.text[:300]
    for server, shown in ((second, titles[0]), (first, titles[1])):
        page = requests.get(server.url("/board/"), headers={"Cookie": cookie}, timeout=20)
        assert page.status_code == 200 and shown in page.text

    # Two workers drain the classification queue and the outbox: each item classified once,
    # each email delivered once.
    with app.app_context():
        items = db.session.scalars(select(Feedback).order_by(Feedback.id).limit(NOTES)).all()
        for i, item in enumerate(items):
            notify.enqueue(dedupe_key=f"scale:{i}", channel=DeliveryChannel.EMAIL, feedback=item,
                           recipient=f"person{i}@example.com", subject=f"Note {i}", text="Hello")
        db.session.commit()
    # The workers run as configured (a 120 s claim lease), not with the kill test's 4 s lease.
    monkeypatch.setattr(test_worker_kill, "APP", "triage:create_app()")
    workers = [Worker(label, {**env, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sinks.port(label))},
                      tmp_path / f"worker-{label}.log") for label in ("a", "b")]
    try:
        for worker in workers:
            worker.start()
        wait_until(lambda: counts(app) == (0, NOTES), 60, "every item classified and every email sent")
    finally:
        for worker in workers:
            worker.stop()
    with app.app_context():
        classified = Counter(db.session.scalars(select(Event.feedback_id).where(Event.kind == "classified")))
    assert len(classified) == ITEMS and set(classified.values()) == {1}
    assert Counter(sinks.received) == Counter(f"Note {i}" for i in range(NOTES))


@pytest.fixture
def sinks():
    """Two real SMTP servers (aiosmtpd), one per worker, recording into one list; none held."""
    yield from Sinks.running(hold_at=0)
