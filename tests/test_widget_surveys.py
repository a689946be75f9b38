"""Surveys in the widget: the server's targeting (active, sampled, not answered recently),
answers over the public API with its CORS and error rules, and the admin's targeting form."""
import json
from datetime import timedelta

import pytest
import time_machine

from tests.conftest import csrf_from
from tests.test_openapi import conforms
from tests.widget_support import ORIGIN, app, assert_error, project  # noqa: F401
from triage.admin.survey_forms import SurveyForm, TargetingForm
from triage.extensions import db
from triage.models import Channel, Feedback, SurveyKind, SurveyResponse, utcnow
from triage.services import DomainError
from triage.services.intake import surveys, widget

VISITOR = "w-0123456789abcdef"
USER = {"id": "u-42", "email": "vera@example.com"}


def make_survey(project, kind=SurveyKind.NPS, **targeting):
    question = "What should we build next?" if kind == SurveyKind.SINGLE else ""
    survey = surveys.create_survey(project, kind, question, **targeting)
    db.session.commit()
    return survey


def ask(client, project, visitor=VISITOR, origin=ORIGIN, **params):
    query = {"key": project.public_key, "visitor": visitor, **params}
    return client.get("/api/v1/surveys/next", query_string=query, headers={"Origin": origin} if origin else {})


def answer(client, survey, origin=ORIGIN, **body):
    return client.post(f"/api/v1/surveys/{survey.token}/responses", json={"visitor": VISITOR, **body},
                       headers={"Origin": origin} if origin else {})


def visitors(n):
    return [f"visitor-{i:05d}" for i in range(n)]


# -- targeting (services) ----------------------------------------------------------------------

def test_sampling_is_deterministic_per_survey_and_visitor(project):
    half = make_survey(project, sample_percent=50)
    picked = [v for v in visitors(400) if surveys.in_sample(half, v)]
    assert 140 < len(picked) < 260
    assert picked == [v for v in visitors(400) if surveys.in_sample(half, v)]  # a reload does not re-roll


def test_sampling_at_one_and_a_hundred_percent(project):
    rare, everyone = make_survey(project, sample_percent=1), make_survey(project, SurveyKind.CSAT)
    assert all(surveys.in_sample(everyone, v) for v in visitors(300))
    assert sum(surveys.in_sample(rare, v) for v in visitors(300)) < 15


def test_visitor_outside_the_sample_is_never_asked(client, project):
    survey = make_survey(project, sample_percent=1)
    outside = next(v for v in visitors(100) if not surveys.in_sample(survey, "visitor:" + v))
    assert all(ask(client, project, outside).json == {"survey": None} for _ in range(3))


@pytest.mark.parametrize("value", [0, 101])
def test_sample_outside_one_to_a_hundred_is_refused(project, value):
    with pytest.raises(DomainError):
        surveys.create_survey(project, SurveyKind.NPS, "", sample_percent=value)


# -- GET /surveys/next -------------------------------------------------------------------------

def test_an_active_survey_is_offered_with_its_scale(client, project):
    survey = make_survey(project, frequency_days=30)
    response = conforms(ask(client, project))
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == {"survey": {"token": survey.token, "kind": "nps", "question": survey.question,
                                         "scale": {"min": 0, "max": 10}, "frequency_days": 30}}


def test_open_question_has_no_scale_and_csat_runs_one_to_five(client, project):
    single = make_survey(project, SurveyKind.SINGLE)
    csat = make_survey(project, SurveyKind.CSAT)
    assert ask(client, project).json["survey"]["scale"] is None
    surveys.set_active(single, False)
    db.session.commit()
    assert ask(client, project).json["survey"]["token"] == csat.token
    assert ask(client, project).json["survey"]["scale"] == {"min": 1, "max": 5}


def test_closed_survey_is_not_offered_and_not_answerable(client, project):
    survey = make_survey(project)
    surveys.set_active(survey, False)
    db.session.commit()
    assert ask(client, project).json == {"survey": None}
    assert_error(conforms(answer(client, survey, score=9)), 404, "not_found")
    assert db.session.query(SurveyResponse).count() == 0


def test_answered_survey_is_not_offered_again_within_its_frequency(client, project):
    survey = make_survey(project, frequency_days=30)
    assert answer(client, survey, score=9).status_code == 201
    assert ask(client, project).json == {"survey": None}
    assert ask(client, project, visitor="another-visitor").json["survey"]["token"] == survey.token
    with time_machine.travel(utcnow() + timedelta(days=29), tick=False):
        assert ask(client, project).json == {"survey": None}
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        assert ask(client, project).json["survey"]["token"] == survey.token


def test_a_second_widget_answer_from_the_same_visitor_is_refused_and_not_stored(client, project):
    survey = make_survey(project, frequency_days=30)
    assert answer(client, survey, score=9).status_code == 201
    second = answer(client, survey, score=0, comment="Changed my mind")
    assert_error(second, 409, "already_answered")
    assert second.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget can read the refusal
    assert [r.score for r in db.session.query(SurveyResponse)] == [9]
    assert db.session.query(Feedback).count() == 0
    assert ask(client, project).json == {"survey": None}
    assert answer(client, survey, visitor="another-visitor", score=5).status_code == 201


def test_a_signed_user_answers_once_from_any_device(client, project):
    survey = make_survey(project, frequency_days=30)
    signed = {"user": USER, "user_signature": widget.sign_identity(USER, project.identity_secret)}
    assert answer(client, survey, score=10, **signed).status_code == 201
    elsewhere = answer(client, survey, score=2, visitor="other-device-1", **signed)
    assert_error(elsewhere, 409, "already_answered")
    assert db.session.query(SurveyResponse).count() == 1


def test_the_widget_may_answer_again_after_the_surveys_days(client, project):
    survey = make_survey(project, frequency_days=7)
    assert answer(client, survey, score=3).status_code == 201
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        assert answer(client, survey, score=8).status_code == 201
    assert sorted(r.score for r in db.session.query(SurveyResponse)) == [3, 8]


def test_an_old_answer_no_longer_holds_the_survey_back(client, project):
    survey = make_survey(project, frequency_days=7)
    answer(client, survey, score=3)
    response = db.session.query(SurveyResponse).one()
    response.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert ask(client, project).json["survey"]["token"] == survey.token


def test_signed_user_is_the_respondent_on_every_device(client, project):
    survey = make_survey(project)
    signed = {"user": USER, "user_signature": widget.sign_identity(USER, project.identity_secret)}
    assert answer(client, survey, score=10, **signed).status_code == 201
    assert db.session.query(SurveyResponse).one().respondent == "user:u-42"
    elsewhere = ask(client, project, visitor="other-device-1", user=json.dumps(USER),
                    user_signature=signed["user_signature"])
    assert elsewhere.json == {"survey": None}
    forged = ask(client, project, visitor="other-device-1", user=json.dumps(USER), user_signature="00")
    assert forged.json["survey"]["token"] == survey.token  # an unsigned user counts as the visitor only


def test_next_refuses_other_origins_unknown_keys_and_bad_visitors(client, project):
    make_survey(project)
    refused = conforms(ask(client, project, origin="https://evil.test"))
    assert_error(refused, 403, "origin_not_allowed")
    assert "survey" not in refused.json
    assert_error(conforms(client.get("/api/v1/surveys/next?key=nope&visitor=" + VISITOR)), 404)
    error = assert_error(conforms(ask(client, project, visitor="x")), 422, "invalid")
    assert "visitor" in error["fields"]
    assert "user" in assert_error(ask(client, project, user="[1]"), 422)["fields"]
    too_deep = "[" * 5_000 + "]" * 5_000  # beyond the JSON parser's recursion limit
    assert "user" in assert_error(ask(client, project, user=too_deep), 422)["fields"]


# -- POST /surveys/<token>/responses ------------------------------------------------------------

def test_answer_with_a_comment_becomes_a_survey_item(client, project):
    survey = make_survey(project)
    response = conforms(answer(client, survey, score=3, comment="Checkout is far too slow"))
    assert response.status_code == 201 and response.headers["Access-Control-Allow-Origin"] == ORIGIN
    stored = db.session.get(SurveyResponse, response.json["id"])
    assert (stored.score, stored.respondent) == (3, f"visitor:{VISITOR}")
    item = db.session.get(Feedback, stored.feedback_id)
    assert item.channel == Channel.SURVEY and item.body == "Checkout is far too slow"
    assert item.context["survey_score"] == 3


@pytest.mark.parametrize("score", [None, 11, -1, "9", 9.5, True])
def test_score_off_the_scale_is_refused_with_its_field(client, project, score):
    survey = make_survey(project)
    error = assert_error(conforms(answer(client, survey, score=score)), 422, "invalid")
    assert "score" in error["fields"]
    assert db.session.query(SurveyResponse).count() == 0


def test_open_question_needs_a_comment(client, project):
    survey = make_survey(project, SurveyKind.SINGLE)
    assert "comment" in assert_error(answer(client, survey, comment="  "), 422)["fields"]
    assert answer(client, survey, comment="Dark mode please").status_code == 201


def test_answer_from_an_origin_not_allowed_is_refused(client, project):
    survey = make_survey(project)
    refused = answer(client, survey, origin="https://evil.test", score=9)
    assert_error(refused, 403, "origin_not_allowed")
    assert not any(h.startswith("Access-Control-") for h in refused.headers.keys())
    assert db.session.query(SurveyResponse).count() == 0


def test_answer_preflight_is_answered_for_the_survey_projects_origins(client, project):
    survey = make_survey(project)
    ask_ = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    url = f"/api/v1/surveys/{survey.token}/responses"
    ok = client.options(url, headers={"Origin": ORIGIN, **ask_})
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert_error(client.options(url, headers={"Origin": "https://evil.test", **ask_}), 403)


def test_answer_must_be_json(client, project):
    survey = make_survey(project)
    response = client.post(f"/api/v1/surveys/{survey.token}/responses", data="score=9",
                           headers={"Origin": ORIGIN})
    assert_error(response, 415, "unsupported_media_type")


def test_answers_are_rate_limited_like_feedback(make_app):
    limited = make_app(API_RATE_LIMIT_PER_ADDRESS="2 per minute")
    with limited.app_context():
        from triage.services.accounts import create_project

        shop = create_project("shop", "Shop")
        survey = make_survey(shop)
        client = limited.test_client()
        statuses = [answer(client, survey, origin=None, score=9, visitor=who).status_code
                    for who in visitors(3)]
    assert statuses == [201, 201, 429]


# -- admin -------------------------------------------------------------------------------------

def test_targeting_form_refuses_values_out_of_range(app):
    with app.test_request_context(method="POST", data={"sample_percent": "0", "frequency_days": "4000"}):
        form = TargetingForm(meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {"sample_percent": ["A percentage from 1 to 100."],
                               "frequency_days": ["From 1 to 3650 days."]}
    with app.test_request_context(method="POST", data={"sample_percent": "", "frequency_days": "30"}):
        form = TargetingForm(meta={"csrf": False})
        assert not form.validate() and form.errors == {"sample_percent": ["Give a percentage."]}


def test_create_form_lists_targeting_after_the_question(app):
    with app.test_request_context():
        names = [field.name for field in SurveyForm(meta={"csrf": False})]
    assert names[names.index("question") + 1:] == ["sample_percent", "frequency_days", "submit"]


def test_admin_creates_a_sampled_survey_and_changes_its_targeting(client, auth, admin, project):
    auth.login(admin)
    created = client.post("/admin/surveys", data={
        "project": str(project.id), "kind": "nps", "question": "", "sample_percent": "25",
        "frequency_days": "30", "csrf_token": csrf_from(client, "/admin/surveys")})
    assert created.status_code == 302
    survey = surveys.all_surveys()[0]
    assert (survey.sample_percent, survey.frequency_days) == (25, 30)
    page = client.get(f"/admin/surveys/{survey.id}").get_data(as_text=True)
    assert "shown to 25% of visitors, at most once every\n  30 days" in page
    url = f"/admin/surveys/{survey.id}/targeting"
    bad = client.post(url, data={"sample_percent": "150", "frequency_days": "30",
                                 "csrf_token": csrf_from(client, f"/admin/surveys/{survey.id}")})
    assert bad.status_code == 422 and "A percentage from 1 to 100." in bad.get_data(as_text=True)
    client.post(url, data={"sample_percent": "80", "frequency_days": "7",
                           "csrf_token": csrf_from(client, f"/admin/surveys/{survey.id}")})
    db.session.refresh(survey)
    assert (survey.sample_percent, survey.frequency_days) == (80, 7)
    assert "80%, every 7 d" in client.get("/admin/surveys").get_data(as_text=True)
