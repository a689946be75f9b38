"""The hosted form: fields by kind (validated on the server), lengths matching the services'
limits (shown to the browser for its counters), and screenshots checked as the widget's are."""
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_from
from triage.extensions import db
from triage.intake.forms import FeedbackForm
from triage.models import Attachment, Feedback, Kind
from triage.services.accounts import create_project
from triage.services.intake import MAX_BODY, MAX_TITLE


@pytest.fixture
def upload_app(make_app, tmp_path):
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"), UPLOAD_MAX_BYTES=20_000, UPLOAD_MAX_PIXELS=10_000)
    with app.app_context():
        create_project("demo", "Demo App")
        db.session.commit()
        yield app


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def send(client, files=(), **fields):
    data = {"kind": "bug", "title": "Export crashes", "csrf_token": csrf_from(client, "/p/demo"), **fields}
    if files:
        data["screenshots"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/p/demo", data=data, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_page_marks_bug_fields_and_loads_its_script_from_a_file(client, project):
    html = client.get("/p/demo").get_data(as_text=True)
    assert 'data-kinds="bug"' in html and "intake-form.js" in html and "<script>" not in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    script = client.get("/static/intake-form.js")
    assert script.status_code == 200 and "data-kinds" in script.get_data(as_text=True)
    script.close()


def test_browser_limits_match_the_services(client, project):
    html = client.get("/p/demo").get_data(as_text=True)
    assert f'maxlength="{MAX_TITLE}"' in html and html.count(f'maxlength="{MAX_BODY}"') == 4


def test_an_idea_drops_the_bug_fields_and_is_not_refused_for_them(client, project):
    response = send(client, kind="idea", title="Dark mode", description="Please", steps="x" * (MAX_BODY + 1),
                    severity="not-a-severity")
    assert response.status_code == 303
    item = db.session.scalars(select(Feedback)).one()
    assert (item.kind, item.severity, item.body) == (Kind.IDEA, None, "Please")


def test_a_bug_still_checks_its_own_fields(client, project):
    assert send(client, severity="not-a-severity").status_code == 422
    assert send(client, steps="x" * (MAX_BODY + 1)).status_code == 422
    assert send(client, title="x" * (MAX_TITLE + 1)).status_code == 422
    assert count(Feedback) == 0


def test_form_unit_keeps_bug_fields_for_bugs_only(app, project):
    with app.test_request_context(method="POST", data={"kind": "feedback", "title": "How do I export?",
                                                       "steps": "secret", "severity": "high"}):
        form = FeedbackForm(meta={"csrf": False})
        assert form.validate() and form.steps.data == "" and form.body() == ""


def test_screenshots_are_stored_with_the_item(upload_app):
    client = upload_app.test_client()
    response = send(client, files=[("a.png", png()), ("b.png", png((20, 20)))])
    assert response.status_code == 303
    item = db.session.scalars(select(Feedback)).one()
    assert sorted(a.filename for a in item.attachments) == ["a.png", "b.png"]


def test_no_file_chosen_is_no_attachment(upload_app):
    assert send(upload_app.test_client(), files=[("", b"")]).status_code == 303
    assert count(Feedback) == 1 and count(Attachment) == 0


@pytest.mark.parametrize("files, message", [
    ([("evil.png", b"<script>alert(1)</script>")], "Only PNG, JPEG or WebP"),
    ([("big.png", png() + b"\0" * 20_000)], "larger than"),
    ([("wide.png", png((200, 100)))], "pixels"),
    ([(f"{n}.png", png()) for n in range(4)], "at most 3 attachments"),
])
def test_refused_screenshots_keep_nothing(upload_app, files, message):
    client = upload_app.test_client()
    response = send(client, files=files)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(Feedback) == 0 and count(Attachment) == 0
    folder = Path(upload_app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_form_with_screenshots_may_exceed_the_general_request_limit(upload_app):
    upload_app.config["MAX_CONTENT_LENGTH"] = 1000
    assert send(upload_app.test_client(), files=[("a.png", png((90, 90)))]).status_code == 303
