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


def test_the_same_idempotency_key_sent_again_returns_the_stored_item(app, project):
    from triage.services import intake

    def submit(title):
        return intake.accept(project, intake.Submission(kind=Kind.BUG, title=title, idempotency_key="retry-1"))

    first, created = submit("Crash on save")
    db.session.commit()
    again, created_again = submit("Crash on save, sent twice")
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.title == "Crash on save" and item_count() == 1
    other, created_other = intake.accept(project, intake.Submission(kind=Kind.BUG, title="Other",
                                                                    idempotency_key="retry-2"))
    assert created_other and other.id != first.id and item_count() == 2


def test_suspected_spam_is_stored_quarantined_with_its_reasons(app, project):
    from triage.services import intake

    item, created = intake.accept(project, intake.Submission(kind=Kind.BUG, title="Cheap pills", context={"page": "/"}),
                                  spam_reasons=["links"])
    clean, _ = intake.accept(project, intake.Submission(kind=Kind.BUG, title="Crash"))
    assert created and item.quarantined and item.context == {"page": "/", "quarantine": ["links"]}
    assert not clean.quarantined and "quarantine" not in clean.context


def test_the_longest_summary_text_and_email_are_accepted_and_one_more_is_refused(app, project):
    from triage.services import DomainError, intake

    longest = intake.Submission(kind=Kind.BUG, title="x" * intake.MAX_TITLE, body="y" * intake.MAX_BODY,
                                email="a" * (intake.MAX_EMAIL - len("@example.com")) + "@Example.com",
                                app_version="4.2", name="  Ann  ")
    item = intake.submit_feedback(project, longest)
    assert len(item.title) == 200 and len(item.body) == 20_000 and len(item.submitter_email) == 254
    assert item.submitter_email.endswith("@example.com") and item.submitter_name == "Ann"
    assert item.app_version == "4.2.0" and item.version_key
    for too_long in ({"title": "x" * 201}, {"body": "y" * 20_001}, {"email": "a" * 243 + "@example.com"}):
        with pytest.raises(DomainError, match="at most 254|limited to 200 and text to 20000"):
            intake.submit_feedback(project, intake.Submission(**({"kind": Kind.BUG, "title": "t"} | too_long)))
    assert item_count() == 1


def test_a_submission_without_a_version_stores_none(app, project):
    from triage.services import intake

    item = intake.submit_feedback(project, intake.Submission(kind=Kind.IDEA, title="Dark mode", body="  Please  "))
    assert (item.app_version, item.version_key, item.body, item.public) == (None, None, "Please", True)
    bug = intake.submit_feedback(project, intake.Submission(kind=Kind.BUG, title="Crash"))
    assert not bug.public and bug.team_id == project.default_team_id and bug.status.value == "new"
    assert (bug.escalation_level, bug.vote_count, bug.quarantined) == (0, 0, False)


def test_an_imported_item_keeps_the_time_it_was_reported(app, project):
    from datetime import datetime, timezone

    from triage.services import intake

    reported = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    item = intake.submit_feedback(project, intake.Submission(kind=Kind.BUG, title="Old crash", created_at=reported))
    db.session.commit()
    db.session.refresh(item)
    assert item.created_at.replace(tzinfo=timezone.utc) == reported


def test_only_open_public_ideas_of_the_project_can_be_voted_on(app, project):
    from triage.models import Status
    from triage.services import NotFound, accounts, intake

    other = accounts.create_project("other", "Other")

    def idea(title, **changes):
        item = intake.submit_feedback(project, intake.Submission(kind=Kind.IDEA, title=title))
        for name, value in changes.items():
            setattr(item, name, value)
        return item

    votable = idea("Dark mode")
    hidden = [idea("Private", public=False), idea("Done", status=Status.CLOSED), idea("Spam", quarantined=True),
              idea("Copy", duplicate_of_id=votable.id)]
    db.session.commit()
    assert intake.public_item(project, votable.id) is votable
    for item in hidden:
        with pytest.raises(NotFound):
            intake.public_item(project, item.id)
    elsewhere = intake.submit_feedback(other, intake.Submission(kind=Kind.IDEA, title="Elsewhere"))
    db.session.commit()
    with pytest.raises(NotFound, match=f"No public item {votable.id}"):
        intake.public_item(other, votable.id)
    with pytest.raises(NotFound):  # ids of either project's items, asked of the other one
        intake.public_item(project, elsewhere.id)
    with pytest.raises(NotFound):
        intake.public_item(project, 0)


def test_a_bug_body_joins_the_parts_given_under_their_headings(app):
    from triage.services import intake

    assert intake.compose_bug_body(" It dies. ", "", " Open it ", "  ") == "It dies.\n\nExpected:\nOpen it"
    assert intake.compose_bug_body("", "Click", "", "Crash") == "Steps to reproduce:\nClick\n\nActual:\nCrash"
    assert intake.compose_bug_body("", "", "", "") == ""
