"""The hosted survey page: a public link per survey, one CSRF-protected form."""
from __future__ import annotations

from flask import current_app, render_template

from triage.extensions import limiter
from triage.intake import bp
from triage.intake.forms import SurveyAnswerForm
from triage.services.intake import surveys
from triage.web import commit_form


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"], methods=["POST"])
def survey(token: str):
    found = surveys.survey_by_token(token)
    form = SurveyAnswerForm.for_survey(found, surveys.SCALES[found.kind])
    return commit_form(
        form, form.comment,
        lambda: surveys.record_response(found, int(form.score.data) if "score" in form else None,
                                        form.comment.data or ""),
        lambda _: render_template("intake/survey.html", survey=found, form=None, thanks=True),
        lambda: (render_template("intake/survey.html", survey=found, form=form, thanks=False),
                 422 if form.errors else 200))
