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
from sqlalchemy import func, select

from tests.conftest import PASSWORD, make_user
from tests.fault.test_worker_kill import Sinks, Worker, wait_until
from tests.servers import free_port
from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, Event, Feedback, Notification, Role
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
