"""Surveys: NPS (0-10), CSAT (1-5) and single open questions; responses, whose comments
become feedback items; the widget's targeting (who is asked which survey, how often, what
share of visitors); and scores per period computed with pandas as pure transforms."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import exists, select

from triage.extensions import db
from triage.models import Channel, Kind, Project, Survey, SurveyKind, SurveyResponse, utcnow, valid_id
from triage.services import DomainError, NotFound, intake, locks
from triage.services.releases import versions

MAX_QUESTION = 300
MAX_COMMENT = 5_000
SCALES = {SurveyKind.NPS: range(0, 11), SurveyKind.CSAT: range(1, 6), SurveyKind.SINGLE: range(0, 1)}
DEFAULT_QUESTIONS = {
    SurveyKind.NPS: "How likely are you to recommend us to a friend or colleague?",
    SurveyKind.CSAT: "How satisfied are you with us?",
}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SAMPLE_PERCENT = range(1, 101)
FREQUENCY_DAYS = range(1, 3651)
PERIODS = {"week": "W", "month": "M", "quarter": "Q"}
COLUMNS = ["period", "responses", "score", "trend"]


class InvalidAnswer(DomainError):
    """A response refused; `fields` names the part to fix (score or comment)."""

    code = "invalid"

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.fields = {field: message}


class AlreadyAnswered(DomainError):
    """This respondent answered the survey within its "ask again after" days."""

    code = "already_answered"
    status_code = 409


def all_surveys() -> list[Survey]:
    return list(db.session.scalars(select(Survey).order_by(Survey.id.desc())))


def get_survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id) if valid_id(survey_id) else None
    if survey is None:
        raise NotFound(f"No survey {survey_id}.")
    return survey


def survey_with_token(token: str) -> Survey | None:
    """The survey behind a link token, open or closed; None for an unknown or malformed token."""
    return db.session.scalar(select(Survey).where(Survey.token == token)) if TOKEN_RE.match(token) else None


def survey_by_token(token: str) -> Survey:
    """The active survey behind a hosted link; NotFound for unknown or paused ones."""
    survey = survey_with_token(token)
    if survey is None or not survey.active:
        raise NotFound("This survey does not exist or is closed.")
    return survey


def create_survey(project: Project, kind: SurveyKind, question: str, sample_percent: int = 100,
                  frequency_days: int = 90) -> Survey:
    """Add a survey to a project (flushes); NPS and CSAT get their standard question when none is given."""
    question = question.strip() or DEFAULT_QUESTIONS.get(kind, "")
    if not question or len(question) > MAX_QUESTION:
        raise DomainError(f"Write the question (at most {MAX_QUESTION} characters).")
    survey = Survey(project=project, kind=kind, question=question)
    db.session.add(survey)
    set_targeting(survey, sample_percent, frequency_days)
    return survey


def set_targeting(survey: Survey, sample_percent: int, frequency_days: int) -> None:
    """Set which share of visitors the widget asks and how often it may ask one again (flushes)."""
    if sample_percent not in SAMPLE_PERCENT:
        raise DomainError("The sample is a percentage from 1 to 100.")
    if frequency_days not in FREQUENCY_DAYS:
        raise DomainError("Ask again after 1 to 3650 days.")
    survey.sample_percent, survey.frequency_days = sample_percent, frequency_days
    db.session.flush()


def set_active(survey: Survey, active: bool) -> None:
    """Open or close the hosted link (flushes); responses are kept either way."""
    survey.active = active
    db.session.flush()


def record_response(survey: Survey, score: int | None, comment: str, respondent: str | None = None,
                    app_version: str | None = None) -> SurveyResponse:
    """Store a response (flushes); its comment, if any, becomes a feedback item through intake
    (channel survey) so it is classified and routed like any other. A single-question survey
    takes a comment and no score. The respondent's app version is stored normalised (release
    health reads NPS per version). InvalidAnswer names the field to fix."""
    comment = comment.strip()
    try:
        version = versions.optional(app_version)
    except versions.InvalidVersion as error:
        raise InvalidAnswer("app_version", str(error)) from error
    if survey.kind == SurveyKind.SINGLE:
        score = 0
        if not comment:
            raise InvalidAnswer("comment", "Write an answer.")
    elif score is None or score not in SCALES[survey.kind]:
        scale = SCALES[survey.kind]
        raise InvalidAnswer("score", f"Choose a score from {scale.start} to {scale.stop - 1}.")
    if len(comment) > MAX_COMMENT:
        raise InvalidAnswer("comment", f"A comment is limited to {MAX_COMMENT} characters.")
    response = SurveyResponse(survey=survey, score=score, comment=comment, respondent=respondent,
                              app_version=version, version_key=versions.sort_key(version) if version else None)
    db.session.add(response)
    if comment:
        response.feedback = intake.submit_feedback(survey.project, intake.Submission(
            kind=Kind.FEEDBACK, title=survey_title(survey, score, comment), body=comment,
            channel=Channel.SURVEY, context=survey_context(survey, score), app_version=version))
    db.session.flush()
    return response


def record_once(survey: Survey, score: int | None, comment: str, respondents: list[str],
                now: datetime | None = None, app_version: str | None = None) -> SurveyResponse:
    """Store a response under respondents[0] (see record_response), unless any of `respondents`
    (the hosted link's cookie id or the email when known; the widget's visitor or signed user)
    answered this survey within its frequency_days: then AlreadyAnswered and nothing is stored. Answers to one survey are
    serialised (row lock on PostgreSQL, write lock on SQLite) so two tabs cannot both pass."""
    lock_survey(survey)
    if answered_recently(survey, respondents, now):
        raise AlreadyAnswered("You have already answered this survey. Thank you!")
    return record_response(survey, score, comment, respondent=respondents[0], app_version=app_version)


def answered_recently(survey: Survey, respondents: list[str], now: datetime | None = None) -> bool:
    """Whether any of these respondent ids answered the survey within its frequency_days."""
    since = (now or utcnow()) - timedelta(days=survey.frequency_days)
    return any(answered_since(survey, who, since) for who in respondents)


def lock_survey(survey: Survey) -> None:
    locks.begin_write()
    if not locks.is_sqlite():
        db.session.execute(select(Survey.id).where(Survey.id == survey.id).with_for_update())


# -- targeting in the widget ---------------------------------------------------------------

def in_sample(survey: Survey, respondent: str) -> bool:
    """Whether the respondent falls in the survey's sample: a hash of survey and respondent,
    so the same visitor gets the same answer on every page load."""
    digest = hashlib.sha256(f"{survey.id}:{respondent}".encode()).hexdigest()
    return int(digest, 16) % 100 < survey.sample_percent


def answered_since(survey: Survey, respondent: str, since: datetime) -> bool:
    return bool(db.session.scalar(select(exists().where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.respondent == respondent,
        SurveyResponse.created_at >= since))))


def next_survey(project: Project, respondent: str, now: datetime | None = None) -> Survey | None:
    """The survey the widget should show this respondent now, or None: the oldest active
    survey of the project whose sample they are in and that they have not answered within
    its frequency_days."""
    now = now or utcnow()
    for survey in db.session.scalars(select(Survey).where(Survey.project_id == project.id, Survey.active)
                                     .order_by(Survey.id)):
        if in_sample(survey, respondent) and not answered_since(
                survey, respondent, now - timedelta(days=survey.frequency_days)):
            return survey
    return None


def scale(survey: Survey) -> dict[str, int] | None:
    """The score buttons to offer: {"min", "max"}, or None for an open question."""
    if survey.kind == SurveyKind.SINGLE:
        return None
    values = SCALES[survey.kind]
    return {"min": values.start, "max": values.stop - 1}


def survey_title(survey: Survey, score: int, comment: str) -> str:
    first = comment.splitlines()[0][:120]
    return first if survey.kind == SurveyKind.SINGLE else f"{survey.kind.value.upper()} {score}: {first}"


def survey_context(survey: Survey, score: int) -> dict[str, Any]:
    context: dict[str, Any] = {"survey_id": survey.id, "survey_kind": survey.kind.value}
    if survey.kind != SurveyKind.SINGLE:
        context["survey_score"] = score  # the classifier reads it (a detractor's comment is urgent-ish)
    return context


def recent_responses(survey: Survey, limit: int = 20) -> list[SurveyResponse]:
    """The latest responses, newest first."""
    return list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                   .order_by(SurveyResponse.id.desc()).limit(limit)))


def responses_frame(survey: Survey) -> pd.DataFrame:
    """The survey's responses as a frame (created_at, score, comment, feedback_id), oldest first."""
    rows = db.session.execute(
        select(SurveyResponse.created_at, SurveyResponse.score, SurveyResponse.comment, SurveyResponse.feedback_id)
        .where(SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.created_at)).all()
    frame = pd.DataFrame(rows, columns=["created_at", "score", "comment", "feedback_id"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


# -- pure transforms, tested on small frames ------------------------------------------------

def nps(scores: pd.Series) -> float:
    """%promoters (9-10) minus %detractors (0-6), from -100 to 100."""
    return float(round(((scores >= 9).mean() - (scores <= 6).mean()) * 100, 1))


def csat(scores: pd.Series) -> float:
    """The share of satisfied answers (4 and 5), in percent."""
    return float(round((scores >= 4).mean() * 100, 1))


def scores_by_period(frame: pd.DataFrame, kind: SurveyKind, period: str = "month") -> pd.DataFrame:
    """One row per period with responses: period label, response count, score (NPS or CSAT,
    None for a single question) and trend (change of score since the previous row)."""
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    labels = frame["created_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period(PERIODS[period])
    grouped = frame.groupby(labels.astype(str), sort=True)["score"]
    table = grouped.size().rename("responses").to_frame()
    scorer = {SurveyKind.NPS: nps, SurveyKind.CSAT: csat}.get(kind)
    table["score"] = grouped.apply(scorer) if scorer else float("nan")
    table["trend"] = table["score"].diff().round(1)
    return table.rename_axis("period").reset_index()[COLUMNS]


def score_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a template: NaN (no score, or no earlier period) becomes None."""
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in table.to_dict("records")]


def scores_csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False)
