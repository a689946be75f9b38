"""CSV imports uploaded on the import page and run as background jobs: by `flask triage
worker`'s job pass without Redis, by an RQ worker with it; checked at upload, roles and CSRF."""
from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, make_user
from tests.servers import rq_queue_or_skip
from triage.extensions import db
from triage.models import BackgroundJob, Feedback, JobKind, JobStatus, Role
from triage.services.insights import import_jobs

GOOD = ("Summary,Description,Created,Reporter\n"
        "Export is slow,The CSV export takes minutes,2026-01-05,ann@example.com\n"
        "Dark mode,\"Please add\na dark theme\",2026-01-06,bob@example.com\n"
        "Broken date,Login fails,not a date,cy@example.com\n"
        "Search,Search misses words,2026-01-07,\n")
MAPPING = "title=Summary,body=Description,created_at=Created,email=Reporter"


def upload(client, project_id: int, data: bytes, mapping: str = MAPPING, name: str = "old.csv"):
    return client.post("/insights/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(client, "/insights/import"), "project_id": str(project_id),
        "mapping": mapping, "file": (io.BytesIO(data), name)})


def queued_job(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.search(r"job=(\d+)", response.headers["Location"]).group(1))


def test_an_uploaded_import_runs_in_the_worker_job_pass_and_reports_the_bad_row_by_line(project, client, auth, pm):
    from triage import worker

    auth.login(pm)
    job_id = queued_job(upload(client, project.id, GOOD.encode()))
    assert db.session.scalar(select(func.count(Feedback.id))) == 0  # not before the worker runs it
    worker.job_pass()
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job_id)
    assert job.kind is JobKind.IMPORT and job.status is JobStatus.DONE, job.message
    assert job.message.startswith("Imported 3 items; 1 rows with errors.")
    assert "line 5: created_at 'not a date' is not a date." in job.message  # the quoted cell spans lines 3-4
    titles = set(db.session.scalars(select(Feedback.title)))
    assert titles == {"Export is slow", "Dark mode", "Search"}
    page = client.get(f"/insights/import?job={job_id}").get_data(as_text=True)
    assert "Imported 3 items" in page and "line 5:" in page
    assert not list(import_jobs.import_folder().glob(f"{job_id}.*"))  # the upload is removed once imported


@pytest.mark.parametrize("data, mapping, expected", [
    (b"", MAPPING, "The file is empty."),
    (b"title,body\n", "", "no data rows"),
    (b"Other\nx\n", "", "No column 'title'"),
    ("Summary\nx\n".encode("utf-16"), MAPPING, "UTF-8 CSV"),
    (GOOD.encode(), "nope=Summary", "Bad --map entry"),
])
def test_a_bad_upload_is_a_form_error_and_queues_nothing(project, client, auth, pm, data, mapping, expected):
    auth.login(pm)
    response = upload(client, project.id, data, mapping)
    errors = re.findall(r'<div class="text-danger small">([^<]*)</div>', response.get_data(as_text=True))
    assert response.status_code == 422 and any(expected in html.unescape(e) for e in errors), errors
    assert db.session.scalar(select(func.count(BackgroundJob.id))) == 0


def test_a_file_over_the_size_cap_is_refused(make_app):
    from tests.conftest import Auth
    from triage.services import accounts

    app = make_app(IMPORT_MAX_BYTES=100)
    with app.app_context():
        project = accounts.create_project("cap", "Cap")
        user = make_user(Role.ADMIN)
        client = app.test_client()
        Auth(client).login(user)
        response = upload(client, project.id, GOOD.encode())
        assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)


def test_only_pms_and_admins_import_and_the_upload_needs_a_csrf_token(project, client, auth, agent, admin):
    auth.login(agent)
    assert client.get("/insights/import").status_code == 403
    assert client.post("/insights/import", data={}).status_code in (400, 403)
    auth.logout()
    auth.login(admin)
    assert client.get("/insights/import").status_code == 200
    refused = client.post("/insights/import", content_type="multipart/form-data", data={
        "project_id": str(project.id), "file": (io.BytesIO(GOOD.encode()), "x.csv")})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count(BackgroundJob.id))) == 0


def test_with_redis_an_rq_worker_runs_the_import(make_app):
    from tests.conftest import Auth
    from triage.services import accounts

    app, queue, rq = rq_queue_or_skip(make_app)
    with app.app_context():
        project = accounts.create_project("rq", "RQ")
        user = make_user(Role.PM)
        client = app.test_client()
        Auth(client).login(user)
        try:
            job_id = queued_job(upload(client, project.id, GOOD.encode()))
            assert queue.count == 1
            rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
            db.session.expire_all()
            job = db.session.get(BackgroundJob, job_id)
            assert job.status is JobStatus.DONE and "Imported 3 items; 1 rows with errors." in job.message
            assert "line 5:" in job.message
            assert db.session.scalar(select(func.count(Feedback.id))) == 3
        finally:
            queue.delete(delete_jobs=True)
