"""The hosted survey page: a public link per survey, one CSRF-protected form."""
from __future__ import annotations

from flask import current_app, render_template

from triage.extensions import db, limiter
from triage.intake import bp
from triage.intake.forms import SurveyAnswerForm
from triage.services import DomainError, surveys


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"], methods=["POST"])
def survey(token: str):
    found = surveys.survey_by_token(token)
    form = SurveyAnswerForm.for_survey(found, surveys.SCALES[found.kind])
    if form.validate_on_submit():
        score = int(form.score.data) if "score" in form else None
        try:
            surveys.record_response(found, score, form.comment.data or "")
        except DomainError as error:
            db.session.rollback()
            form.comment.errors = [*form.comment.errors, str(error)]
        else:
            db.session.commit()
            return render_template("intake/survey.html", survey=found, form=None, thanks=True)
    status = 422 if form.errors else 200
    return render_template("intake/survey.html", survey=found, form=form, thanks=False), status
