"""The hosted survey page: a public link per survey, one CSRF-protected form, one answer per
respondent (a long-lived browser cookie, or the signed-in user's email) within the survey's
"ask again after" days."""
from __future__ import annotations

import secrets

from flask import current_app, render_template, request
from flask_login import current_user

from triage.extensions import limiter
from triage.intake import bp
from triage.intake.forms import SurveyAnswerForm
from triage.services.intake import surveys
from triage.web import commit_form

COOKIE = "triage_respondent"
COOKIE_DAYS = 3650  # the longest "ask again after" a survey may have
BROWSER_ID_LENGTH = 22  # secrets.token_urlsafe(16)


def browser_id() -> str:
    """This browser's respondent id from its cookie, or a new one (set on the response)."""
    value = request.cookies.get(COOKIE, "")
    if len(value) == BROWSER_ID_LENGTH and surveys.TOKEN_RE.match(value):
        return value
    return secrets.token_urlsafe(16)


def respondents(browser: str) -> list[str]:
    """Who is answering, the strongest identity first: the signed-in user's email, the browser."""
    known = [f"email:{current_user.email.lower()}"] if current_user.is_authenticated else []
    return [*known, f"browser:{browser}"]


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"], methods=["POST"])
def survey(token: str):
    found = surveys.survey_by_token(token)
    browser = browser_id()
    who = respondents(browser)
    if request.method == "GET" and surveys.answered_recently(found, who):
        response = current_app.make_response(page(found, answered=True))
    else:
        form = SurveyAnswerForm.for_survey(found, surveys.SCALES[found.kind])
        response = current_app.make_response(commit_form(
            form, form.comment, lambda: answer(found, form, who),
            lambda stored: page(found, thanks=True) if stored else (page(found, answered=True), 409),
            lambda: (page(found, form=form), 422 if form.errors else 200)))
    response.set_cookie(COOKIE, browser, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/s/")
    return response


def answer(found, form: SurveyAnswerForm, who: list[str]):
    """The stored response, or None when this respondent answered already (nothing stored)."""
    try:
        return surveys.record_once(found, int(form.score.data) if "score" in form else None,
                                   form.comment.data or "", who)
    except surveys.AlreadyAnswered:
        return None


def page(found, form=None, thanks=False, answered=False) -> str:
    return render_template("intake/survey.html", survey=found, form=form, thanks=thanks, answered=answered)
