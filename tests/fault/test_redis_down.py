"""Redis down (REDIS_URL set): a private redis-server is killed mid-run, or Redis never answers.
The public endpoints keep answering (the rate limits count in each process's memory until Redis
is back), no request waits on Redis longer than REDIS_TIMEOUT, and a job queued meanwhile stays
in the database for `flask triage worker` (docs/deploy.md, "When a component fails")."""
from __future__ import annotations

import socket
import subprocess
import threading
import time

import pytest
from redis import Redis

from tests.servers import free_port
from tests.widget_support import ORIGIN, item_count, send
from triage import worker
from triage.extensions import db
from triage.models import BackgroundJob, JobKind, JobStatus
from triage.services import accounts, jobs

FAST = 3.0  # seconds: a request with Redis gone answers well within this (REDIS_TIMEOUT is 1 s)


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test alone on a free port; yields (url, process)."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client, deadline = Redis(port=port, socket_timeout=1), time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except Exception:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.kill()
    process.wait(10)


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a Redis hung or behind a dead link)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture
def redis_app(make_app):
    """Build (app, project) on the given Redis: its widget API allows 3 posts a minute per address."""
    contexts = []

    def build(url: str):
        app = make_app(FORM_MIN_FILL_SECONDS=0, REDIS_URL=url, RATELIMIT_STORAGE_URI=url,
                       API_RATE_LIMIT_PER_ADDRESS="3 per minute")
        contexts.append(app.app_context())
        contexts[-1].push()
        project = accounts.create_project("shop", "Shop")
        project.allowed_origins = [ORIGIN]
        db.session.commit()
        return app, project
    yield build
    for context in reversed(contexts):
        context.pop()


def timed_send(client, project) -> int:
    started = time.monotonic()
    status = send(client, project).status_code
    assert time.monotonic() - started < FAST, "a request waited on Redis"
    return status


def test_killed_redis_leaves_the_public_endpoints_answering_and_limiting(redis_app, private_redis):
    url, process = private_redis
    app, project = redis_app(url)
    client = app.test_client()
    assert [timed_send(client, project) for _ in range(2)] == [201, 201]
    assert Redis.from_url(url).keys("*"), "the limits did not count in Redis"
    process.kill()
    process.wait(10)
    # Each process now counts the same limit (3 per minute) in its own memory, from zero.
    assert [timed_send(client, project) for _ in range(4)] == [201, 201, 201, 429]
    assert item_count() == 5
    for page in ("/p/shop", "/widget.js", f"/api/v1/form-token?key={project.public_key}"):
        assert client.get(page, headers={"Origin": ORIGIN}).status_code == 200


def test_a_redis_that_never_answers_holds_no_request_longer_than_its_timeout(redis_app, silent_server):
    app, project = redis_app(silent_server)
    client = app.test_client()
    assert [timed_send(client, project) for _ in range(3)] == [201, 201, 201]
    started = time.monotonic()
    job = jobs.enqueue(JobKind.RETRAIN, None, None)
    db.session.commit()  # the push onto RQ times out after the commit; the row stays queued
    assert time.monotonic() - started < FAST
    assert db.session.get(BackgroundJob, job.id).status is JobStatus.QUEUED


def test_a_job_queued_while_redis_is_down_runs_in_the_database_worker(make_app, private_redis):
    url, process = private_redis
    process.kill()
    process.wait(10)
    app = make_app(REDIS_URL=url, RATELIMIT_STORAGE_URI=url)
    with app.app_context():
        project = accounts.create_project("shop", "Shop")
        db.session.commit()
        job = jobs.enqueue(JobKind.THEMES, project, None)
        db.session.commit()  # Redis refuses: logged, the row stays queued
        worker.job_pass()
        db.session.expire_all()
        assert db.session.get(BackgroundJob, job.id).status is JobStatus.DONE
