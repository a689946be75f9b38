"""Surveys: admins create them, the hosted page stores answers whose comments become
classified items, and scores per period (NPS, CSAT) with trend are shown and exported."""
from datetime import datetime, timezone

import pandas as pd
import pytest

from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Channel, SurveyKind, SurveyResponse
from triage.services import DomainError, NotFound
from triage.services.intake import surveys
from triage.services.accounts import create_project


@pytest.fixture
def project(app):
    found = create_project("shop", "Shop")
    db.session.commit()
    return found


def make_survey(project, kind=SurveyKind.NPS, question=""):
    survey = surveys.create_survey(project, kind, question)
    db.session.commit()
    return survey


def frame(*rows):
    return pd.DataFrame({"created_at": pd.to_datetime([r[0] for r in rows], utc=True),
                         "score": [r[1] for r in rows]})


# -- pure transforms -------------------------------------------------------------------------

def test_nps_is_promoters_minus_detractors():
    assert surveys.nps(pd.Series([10, 9, 8, 7, 6, 0])) == pytest.approx(0.0)
    assert surveys.nps(pd.Series([10, 10, 9, 3])) == 50.0
    assert surveys.nps(pd.Series([0, 6])) == -100.0


def test_csat_is_the_share_of_fours_and_fives():
    assert surveys.csat(pd.Series([5, 4, 3, 1])) == 50.0
    assert surveys.csat(pd.Series([5])) == 100.0


def test_scores_per_month_count_responses_and_trend():
    table = surveys.scores_by_period(frame(("2026-01-03", 10), ("2026-01-20", 9), ("2026-01-21", 3),
                                           ("2026-03-02", 7), ("2026-03-03", 10)), SurveyKind.NPS)
    assert surveys.score_records(table) == [
        {"period": "2026-01", "responses": 3, "score": 33.3, "trend": None},
        {"period": "2026-03", "responses": 2, "score": 50.0, "trend": 16.7}]


def test_scores_per_week_for_csat_and_none_for_an_open_question():
    rows = frame(("2026-01-05", 5), ("2026-01-06", 2), ("2026-01-13", 4))
    weekly = surveys.scores_by_period(rows, SurveyKind.CSAT, "week")
    assert list(weekly["responses"]) == [2, 1] and list(weekly["score"]) == [50.0, 100.0]
    assert list(weekly["trend"].fillna(-1)) == [-1, 50.0]
    single = surveys.score_records(surveys.scores_by_period(rows, SurveyKind.SINGLE))
    assert single == [{"period": "2026-01", "responses": 3, "score": None, "trend": None}]


def test_no_responses_give_an_empty_table_with_its_columns():
    empty = surveys.scores_by_period(frame(), SurveyKind.NPS)
    assert empty.empty and list(empty.columns) == surveys.COLUMNS
    assert surveys.scores_csv(empty).strip() == "period,responses,score,trend"


# -- services --------------------------------------------------------------------------------

def test_a_comment_becomes_a_classified_survey_item(project):
    survey = make_survey(project)
    response = surveys.record_response(survey, 2, "Checkout crashes every time I pay")
    db.session.commit()
    item = response.feedback
    assert item.channel == Channel.SURVEY and item.category is not None
    assert item.context == {"survey_id": survey.id, "survey_kind": "nps", "survey_score": 2}
    assert item.title.startswith("NPS 2: Checkout crashes")
    assert surveys.record_response(survey, 10, "").feedback is None


@pytest.mark.parametrize("kind, bad", [(SurveyKind.NPS, 11), (SurveyKind.NPS, None), (SurveyKind.CSAT, 0),
                                       (SurveyKind.CSAT, 6)])
def test_scores_outside_the_scale_are_refused(project, kind, bad):
    with pytest.raises(DomainError):
        surveys.record_response(make_survey(project, kind), bad, "")


def test_single_question_needs_an_answer_and_takes_no_score(project):
    survey = make_survey(project, SurveyKind.SINGLE, "What should we build next?")
    with pytest.raises(DomainError):
        surveys.record_response(survey, None, "  ")
    assert surveys.record_response(survey, None, "Dark mode").score == 0


def test_closed_or_unknown_survey_links_are_not_found(project):
    survey = make_survey(project)
    surveys.set_active(survey, False)
    for token in (survey.token, "nope"):
        with pytest.raises(NotFound):
            surveys.survey_by_token(token)


# -- pages -----------------------------------------------------------------------------------

def test_hosted_nps_page_stores_the_answer(client, project):
    survey = make_survey(project)
    url = f"/s/{survey.token}"
    page = client.get(url).get_data(as_text=True)
    assert survey.question in page and 'value="10"' in page and "Why?" in page
    response = client.post(url, data={"score": "3", "comment": "Too slow", "csrf_token": csrf_from(client, url)})
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    stored = db.session.query(SurveyResponse).one()
    assert (stored.score, stored.comment) == (3, "Too slow") and stored.feedback.channel == Channel.SURVEY


def test_hosted_page_refuses_bad_answers_and_forged_posts(client, project):
    survey = make_survey(project, SurveyKind.CSAT)
    url = f"/s/{survey.token}"
    assert client.post(url, data={"score": "9", "csrf_token": csrf_from(client, url)}).status_code == 422
    assert client.post(url, data={"score": "4"}).status_code == 400  # no CSRF token
    assert db.session.query(SurveyResponse).count() == 0
    assert client.get("/s/unknown").status_code == 404


def test_hosted_page_is_rate_limited(make_app, project):
    app = make_app(INTAKE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    url = f"/s/{make_survey(project).token}"
    token = csrf_from(client, url)
    codes = []
    for _ in range(3):  # a new respondent each time: one answer per browser is another rule
        client.delete_cookie("triage_respondent", path="/s/")
        codes.append(client.post(url, data={"score": "9", "csrf_token": token}).status_code)
    assert codes == [200, 200, 429]


def test_admin_creates_a_survey_and_reads_its_scores(client, auth, admin, project):
    auth.login(admin)
    response = client.post("/admin/surveys", data={"project": str(project.id), "kind": "csat", "question": "",
                                                   "sample_percent": "100", "frequency_days": "90",
                                                   "csrf_token": csrf_from(client, "/admin/surveys")})
    assert response.status_code == 302
    survey = surveys.all_surveys()[0]
    assert survey.kind == SurveyKind.CSAT and survey.question == surveys.DEFAULT_QUESTIONS[SurveyKind.CSAT]
    for score, day in ((5, 1), (2, 2), (4, 40)):
        db.session.add(SurveyResponse(survey=survey, score=score,
                                      created_at=datetime(2026, 1, 1, tzinfo=timezone.utc) + pd.Timedelta(days=day)))
    db.session.commit()
    page = client.get(f"/admin/surveys/{survey.id}").get_data(as_text=True)
    assert "2026-01" in page and "50.0" in page and "▲ +50.0" in page and f"/s/{survey.token}" in page
    csv = client.get(f"/admin/surveys/{survey.id}/scores.csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.get_data(as_text=True).splitlines() == [
        "period,responses,score,trend", "2026-01,2,50.0,", "2026-02,1,100.0,50.0"]
    assert "2025-12-29/2026-01-04" in client.get(f"/admin/surveys/{survey.id}?period=week").get_data(as_text=True)


def test_admin_closes_a_survey_and_its_link_stops_answering(client, auth, admin, project):
    survey = make_survey(project)
    auth.login(admin)
    client.post(f"/admin/surveys/{survey.id}/active",
                data={"csrf_token": csrf_from(client, f"/admin/surveys/{survey.id}")})
    assert client.get(f"/s/{survey.token}").status_code == 404


def test_survey_form_needs_a_project(client, auth, admin, project):
    auth.login(admin)
    response = client.post("/admin/surveys", data={"kind": "nps", "csrf_token": csrf_from(client, "/admin/surveys")})
    assert response.status_code == 422 and not surveys.all_surveys()


def test_answer_form_takes_zero_and_drops_the_score_for_an_open_question(app, project):
    from triage.intake.forms import SurveyAnswerForm

    nps = make_survey(project)
    with app.test_request_context(method="POST", data={"score": "0", "comment": ""}):
        app.config["WTF_CSRF_ENABLED"] = False
        form = SurveyAnswerForm.for_survey(nps, surveys.SCALES[SurveyKind.NPS])
        assert form.validate() and form.score.data == "0" and form.comment.label.text == "Why?"
        single = SurveyAnswerForm.for_survey(make_survey(project, SurveyKind.SINGLE, "Q?"),
                                             surveys.SCALES[SurveyKind.SINGLE])
        assert "score" not in single and single.validate()
