"""Survey results, read-only, for product managers and agents (admins change surveys in /admin)."""
from __future__ import annotations

from flask import render_template, request

from triage.insights import bp
from triage.models import Survey
from triage.services.intake import surveys

KIND_NAMES = {"nps": "NPS", "csat": "CSAT", "single": "Open question"}


def period_arg() -> str:
    value = request.args.get("period", "month")
    return value if value in surveys.PERIODS else "month"


@bp.route("/surveys")
def surveys_index():
    return render_template("insights/surveys.html", surveys=surveys.all_surveys(), kinds=KIND_NAMES)


@bp.route("/surveys/<int:survey_id>")
def survey_results(survey_id: int):
    found = surveys.get_survey(survey_id)
    frame = surveys.responses_frame(found)
    table = surveys.scores_by_period(frame, found.kind, period_arg())
    return render_template("insights/survey.html", survey=found, kinds=KIND_NAMES, period=period_arg(),
                           periods=surveys.PERIODS, rows=surveys.score_records(table), total=len(frame),
                           recent=surveys.recent_responses(found))


@bp.route("/surveys/<int:survey_id>/scores.csv")
def survey_results_csv(survey_id: int):
    return scores_csv_response(surveys.get_survey(survey_id), period_arg())


def scores_csv_response(found: Survey, period: str):
    """The survey's scores per period as a CSV download (the admin page's link uses it too)."""
    table = surveys.scores_by_period(surveys.responses_frame(found), found.kind, period)
    name = f"survey-{found.id}-{found.kind.value}-{period}.csv"
    return surveys.scores_csv(table), 200, {"Content-Type": "text/csv; charset=utf-8",
                                            "Content-Disposition": f'attachment; filename="{name}"'}
