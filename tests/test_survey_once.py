"""One hosted survey answer per respondent within the survey's "ask again after" days: the
browser's cookie, or the signed-in user's email; a second answer is refused, not stored."""
from datetime import timedelta

import pytest

from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import SurveyKind, SurveyResponse, utcnow
from triage.services.accounts import create_project
from triage.services.intake import surveys


@pytest.fixture
def survey(app):
    project = create_project("shop", "Shop")
    found = surveys.create_survey(project, SurveyKind.NPS, "", frequency_days=30)
    db.session.commit()
    return found


def post(client, url, score="9"):
    return client.post(url, data={"score": score, "comment": "", "csrf_token": csrf_from(client, url)})


def test_a_second_answer_from_the_same_browser_is_refused_and_not_stored(client, survey):
    url = f"/s/{survey.token}"
    assert post(client, url).status_code == 200
    token = csrf_from(client, "/auth/login")  # the survey page itself now says "already answered"
    second = client.post(url, data={"score": "0", "csrf_token": token})
    assert second.status_code == 409 and "already answered" in second.get_data(as_text=True)
    assert [r.score for r in db.session.query(SurveyResponse)] == [9]
    again = client.get(url)
    assert again.status_code == 200 and "already answered" in again.get_data(as_text=True)
    assert 'name="score"' not in again.get_data(as_text=True)


def test_another_browser_may_answer(client, app, survey):
    url = f"/s/{survey.token}"
    assert post(client, url).status_code == 200
    assert post(app.test_client(), url, "3").status_code == 200
    responses = db.session.query(SurveyResponse).all()
    assert len(responses) == 2 and len({r.respondent for r in responses}) == 2
    assert all(r.respondent.startswith("browser:") for r in responses)


def test_a_forged_respondent_cookie_gets_a_fresh_id(client, survey):
    client.set_cookie("triage_respondent", "<script>", path="/s/")
    url = f"/s/{survey.token}"
    assert post(client, url).status_code == 200
    assert "<script>" not in db.session.query(SurveyResponse).one().respondent


def test_the_survey_asks_again_after_its_days(client, survey):
    url = f"/s/{survey.token}"
    assert post(client, url).status_code == 200
    stored = db.session.query(SurveyResponse).one()
    stored.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "already answered" not in client.get(url).get_data(as_text=True)
    assert post(client, url, "10").status_code == 200
    assert db.session.query(SurveyResponse).count() == 2


def test_a_signed_in_user_answers_once_across_browsers(app, auth, agent, survey):
    url = f"/s/{survey.token}"
    auth.login(agent)
    assert post(auth.client, url).status_code == 200
    assert db.session.query(SurveyResponse).one().respondent == f"email:{agent.email.lower()}"
    other = app.test_client()
    other_auth = type(auth)(other)
    other_auth.login(agent)
    page = other.get(url)
    assert "already answered" in page.get_data(as_text=True)


def test_record_once_refuses_any_known_respondent(survey):
    surveys.record_once(survey, 9, "", ["browser:aaaaaaaaaaaaaaaaaaaaaa"])
    with pytest.raises(surveys.AlreadyAnswered):
        surveys.record_once(survey, 9, "", ["email:a@example.com", "browser:aaaaaaaaaaaaaaaaaaaaaa"])
    db.session.commit()
    assert db.session.query(SurveyResponse).count() == 1
