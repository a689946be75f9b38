"""Item exports above EXPORT_INLINE_ROWS run as background jobs: by `flask triage worker`'s job
pass without Redis, by an RQ worker with it; the file is the requester's (and admins'), kept a day."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.builders import item
from tests.conftest import Auth, csrf_from, make_user
from tests.servers import rq_queue_or_skip
from triage.extensions import db
from triage.models import BackgroundJob, JobKind, JobStatus, Role
from triage.services import accounts
from triage.services.insights import export_jobs


def seed_items(project) -> None:
    for title in ("=HYPERLINK(\"http://evil\")", "Checkout is down", "Slow search"):
        item(project, title=title)


def request_export(client, project_id: int) -> int:
    """Ask for the export (too large: a page offering the job), queue it, return the job id."""
    path = f"/insights/export/items.csv?project={project_id}&status=any"
    offer = client.get(path)
    assert offer.status_code == 200 and "Export in the background" in offer.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', offer.get_data(as_text=True)).group(1)
    queued = client.post(f"/insights/exports?project={project_id}&status=any", data={"csrf_token": token})
    assert queued.status_code == 302, queued.get_data(as_text=True)[:300]
    return int(re.search(r"/exports/(\d+)", queued.headers["Location"]).group(1))


def check_download(app, client, job_id: int) -> None:
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    assert job.kind is JobKind.EXPORT and job.status is JobStatus.DONE, job.message
    assert "Download the CSV" in client.get(f"/insights/exports/{job_id}").get_data(as_text=True)
    with client.get(f"/insights/exports/{job_id}/items.csv") as got:
        text = got.get_data(as_text=True)
        assert got.status_code == 200 and got.mimetype == "text/csv"
    assert len(text.strip().splitlines()) == 4 and "Slow search" in text
    assert "'=HYPERLINK" in text  # neutralised as in the inline export
    other = app.test_client()
    Auth(other).login(make_user(Role.AGENT))
    assert other.get(f"/insights/exports/{job_id}/items.csv").status_code == 404
    assert other.get(f"/insights/exports/{job_id}").status_code == 404
    admin = app.test_client()
    Auth(admin).login(make_user(Role.ADMIN))
    with admin.get(f"/insights/exports/{job_id}/items.csv") as got:
        assert got.status_code == 200


def test_an_export_above_the_threshold_runs_in_the_job_pass_and_only_its_requester_downloads_it(make_app):
    from triage import worker

    app = make_app(EXPORT_INLINE_ROWS=2)
    with app.app_context():
        project = accounts.create_project("big", "Big")
        seed_items(project)
        client = app.test_client()
        Auth(client).login(make_user(Role.PM))
        job_id = request_export(client, project.id)
        assert client.get(f"/insights/exports/{job_id}/items.csv").status_code == 404  # not ready yet
        worker.job_pass()
        check_download(app, client, job_id)


def test_with_redis_an_rq_worker_writes_the_export(make_app):
    app, queue, rq = rq_queue_or_skip(make_app)
    app.config["EXPORT_INLINE_ROWS"] = 2
    with app.app_context():
        project = accounts.create_project("big", "Big")
        seed_items(project)
        client = app.test_client()
        Auth(client).login(make_user(Role.AGENT))
        try:
            job_id = request_export(client, project.id)
            assert queue.count == 1
            rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
            check_download(app, client, job_id)
        finally:
            queue.delete(delete_jobs=True)


def test_a_small_export_is_still_answered_at_once(project, client, auth, pm):
    seed_items(project)
    auth.login(pm)
    got = client.get(f"/insights/export/items.csv?project={project.id}&status=any")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert db.session.query(BackgroundJob).count() == 0


def test_queueing_an_export_needs_a_csrf_token(project, client, auth, pm):
    auth.login(pm)
    assert client.post(f"/insights/exports?project={project.id}", data={}).status_code == 400
    assert db.session.query(BackgroundJob).count() == 0


def test_the_worker_removes_export_files_after_a_day(app):
    folder = export_jobs.export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    old, new = folder / "1.csv", folder / "2.csv"
    old.write_text("x")
    new.write_text("y")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    assert export_jobs.remove_old() == 1
    assert not old.exists() and new.exists()
