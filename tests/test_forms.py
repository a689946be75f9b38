"""Forms checked directly, without a request through the app."""
from werkzeug.datastructures import MultiDict

from triage.intake.forms import FeedbackForm


def form_with(app, **data) -> FeedbackForm:
    with app.test_request_context(method="POST"):
        form = FeedbackForm(formdata=MultiDict(data), meta={"csrf": False})
        form.validate()
        return form


def test_bug_body_joins_the_parts_under_headings(app):
    form = form_with(app, kind="bug", title="t", description="Intro", steps="click", actual="boom")
    assert form.body() == "Intro\n\nSteps to reproduce:\nclick\n\nActual:\nboom"


def test_feedback_body_is_the_description_alone(app):
    form = form_with(app, kind="feedback", title="t", description="  nice  ", steps="ignored")
    assert form.body() == "nice"


def test_summary_of_201_characters_is_refused_and_200_accepted(app):
    assert "title" in form_with(app, kind="idea", title="x" * 201).errors
    assert form_with(app, kind="idea", title="x" * 200).errors == {}


def test_optional_email_must_look_like_one(app):
    assert "email" in form_with(app, kind="idea", title="t", email="nope").errors
    assert form_with(app, kind="idea", title="t", email="a@b.example").errors == {}
