"""Survey administration: create NPS, CSAT and single-question surveys, read their scores."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from triage.admin import bp
from triage.admin.survey_forms import KIND_LABELS, SelectChoice, SurveyForm, TargetingForm
from triage.admin.workflow_forms import ActionForm
from triage.extensions import db
from triage.insights.surveys import scores_csv_response
from triage.models import Project, SurveyKind
from triage.services import accounts, get
from triage.services.intake import surveys
from triage.web import back_to, commit_form


def survey_form(formdata=None) -> SurveyForm:
    form = SurveyForm(formdata=formdata)
    form.project.choices = [SelectChoice(str(p.id), p.name) for p in accounts.all_projects()]
    return form


def render_list(form: SurveyForm, status: int = 200):
    return render_template("admin/surveys.html", form=form, surveys=surveys.all_surveys(),
                           kinds=KIND_LABELS, action_form=ActionForm()), status


@bp.route("/surveys")
def surveys_index():
    return render_list(survey_form())


@bp.route("/surveys", methods=["POST"])
def create_survey():
    form = survey_form(request.form)
    return commit_form(
        form, form.question, lambda: surveys.create_survey(
            get(Project, int(form.project.data)), SurveyKind(form.kind.data), form.question.data or "",
            form.sample_percent.data, form.frequency_days.data),
        lambda survey: back_to("Survey created: share its link.", "admin.survey", survey_id=survey.id),
        lambda: render_list(form, 422))


def period_arg() -> str:
    value = request.args.get("period", "month")
    return value if value in surveys.PERIODS else "month"


def render_survey(found, targeting_form: TargetingForm | None = None, status: int = 200):
    frame = surveys.responses_frame(found)
    table = surveys.scores_by_period(frame, found.kind, period_arg())
    targeting_form = targeting_form or TargetingForm(formdata=None, obj=found)
    return render_template("admin/survey.html", survey=found, kinds=KIND_LABELS, period=period_arg(),
                           periods=surveys.PERIODS, rows=surveys.score_records(table), total=len(frame),
                           recent=surveys.recent_responses(found), action_form=ActionForm(),
                           targeting_form=targeting_form), status


@bp.route("/surveys/<int:survey_id>")
def survey(survey_id: int):
    return render_survey(surveys.get_survey(survey_id))


@bp.route("/surveys/<int:survey_id>/targeting", methods=["POST"])
def survey_targeting(survey_id: int):
    found = surveys.get_survey(survey_id)
    form = TargetingForm(request.form)
    if not form.validate_on_submit():
        return render_survey(found, form, 422)
    surveys.set_targeting(found, form.sample_percent.data, form.frequency_days.data)
    db.session.commit()
    flash("Targeting saved.", "success")
    return redirect(url_for("admin.survey", survey_id=survey_id))


@bp.route("/surveys/<int:survey_id>/active", methods=["POST"])
def toggle_survey(survey_id: int):
    found = surveys.get_survey(survey_id)
    if ActionForm().validate_on_submit():
        surveys.set_active(found, not found.active)
        db.session.commit()
        flash("Survey opened." if found.active else "Survey closed: its link answers 404.", "success")
    return redirect(url_for("admin.survey", survey_id=survey_id))


@bp.route("/surveys/<int:survey_id>/scores.csv")
def survey_scores_csv(survey_id: int):
    return scores_csv_response(surveys.get_survey(survey_id), period_arg())
