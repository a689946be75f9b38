"""The hosted feedback form and the submitter's status page."""

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Feedback, Kind, Severity
from triage.services import items


def item_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


def send(client, slug="demo", **fields):
    data = {"kind": "bug", "title": "Export crashes", "csrf_token": csrf_from(client, f"/p/{slug}")}
    data.update(fields)
    return client.post(f"/p/{slug}", data=data)


def test_form_page_shows_all_three_kinds(client, project):
    html = client.get("/p/demo").get_data(as_text=True)
    for label in ("Report a bug", "Suggest an idea", "General feedback"):
        assert label in html


def test_bug_report_is_stored_with_its_created_event(client, project):
    response = send(client, description="The CSV export dies.", steps="1. Open export\n2. Click",
                    expected="A file", actual="A crash", severity="high",
                    email="Ann@Example.com", name="Ann")
    assert response.status_code == 303
    item = db.session.scalars(select(Feedback)).one()
    assert (item.kind, item.severity, item.title) == (Kind.BUG, Severity.HIGH, "Export crashes")
    assert "Steps to reproduce:\n1. Open export" in item.body and "Actual:\nA crash" in item.body
    assert item.submitter_email == "ann@example.com" and item.submitter_name == "Ann"
    assert [e.kind for e in item.events][:2] == ["created", "classified"]
    assert (item.category, item.model_version) == ("bug", "rules")  # no model yet: keyword rules


def test_confirmation_gives_a_private_status_link(client, project):
    response = send(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in page
    token = db.session.scalars(select(Feedback)).one().status_token
    assert len(token) >= 32 and f"/status/{token}" in page


def test_idea_ignores_bug_only_fields(client, project):
    send(client, kind="idea", title="Dark mode", description="Please", steps="ignored", severity="high")
    item = db.session.scalars(select(Feedback)).one()
    assert item.kind == Kind.IDEA and item.body == "Please" and item.severity is None


def test_empty_summary_rerenders_with_an_error_and_stores_nothing(client, project):
    response = send(client, title="   ")
    assert response.status_code == 422
    assert "A summary is required" in response.get_data(as_text=True)
    assert item_count() == 0


def test_too_long_input_is_refused_field_by_field(client, project):
    response = send(client, title="x" * 201)
    assert response.status_code == 422 and item_count() == 0
    response = send(client, description="y" * 15_000, steps="z" * 6_000)
    assert response.status_code == 422
    assert "limited to 20,000 characters" in response.get_data(as_text=True)
    assert item_count() == 0


def test_malformed_email_and_unknown_kind_are_refused(client, project):
    assert send(client, email="not-an-email").status_code == 422
    assert send(client, kind="spam").status_code == 422
    assert send(client, severity="apocalyptic").status_code == 422
    assert item_count() == 0


def test_form_without_csrf_token_is_refused(client, project):
    response = client.post("/p/demo", data={"kind": "bug", "title": "x"})
    assert response.status_code == 400 and item_count() == 0


def test_unknown_project_is_404(client, project):
    assert client.get("/p/nope").status_code == 404


def test_status_page_shows_public_replies_but_never_internal_notes(client, project, agent):
    send(client)
    item = db.session.scalars(select(Feedback)).one()
    items.add_comment(item, agent, "We are on it!", public=True)
    items.add_comment(item, agent, "Secret: blame the intern", public=False)
    db.session.commit()
    page = client.get(f"/status/{item.status_token}").get_data(as_text=True)
    assert "We are on it!" in page and "blame the intern" not in page
    assert "New" in page


def test_wrong_status_token_is_404(client, project):
    assert client.get("/status/guess").status_code == 404


def test_intake_is_rate_limited_per_client(make_app):
    app = make_app(INTAKE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        from triage.services.accounts import create_project

        create_project("demo", "Demo")
        db.session.commit()
    codes = [send(client, title=f"item {i}").status_code for i in range(3)]
    assert codes == [303, 303, 429]


def test_an_app_version_that_is_no_version_is_refused_in_words(app, project):
    from triage.services import DomainError, intake

    with pytest.raises(DomainError, match="version"):
        intake.submit_feedback(project, intake.Submission(kind=Kind.BUG, title="Crash", app_version="not a version"))
    assert item_count() == 0


def test_a_public_idea_with_the_highest_id_an_integer_holds_can_be_voted_on(app, project):
    from triage.models import ID_LIMIT
    from triage.services import NotFound, intake

    idea = intake.new_item(project, intake.Submission(kind=Kind.IDEA, title="Dark mode"), "Dark mode", None)
    idea.id = ID_LIMIT - 1
    db.session.add(idea)
    db.session.commit()
    assert intake.public_item(project, ID_LIMIT - 1).title == "Dark mode"
    with pytest.raises(NotFound):
        intake.public_item(project, ID_LIMIT)
