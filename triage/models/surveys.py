"""NPS, CSAT and single-question surveys and their responses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.base import SurveyKind, UTCDateTime, new_token, str_enum, utcnow
from triage.models.feedback import Feedback, Project


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SurveyKind] = mapped_column(str_enum(SurveyKind))
    question: Mapped[str] = mapped_column(String(300))
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)  # hosted link
    active: Mapped[bool] = mapped_column(default=True)
    sample_percent: Mapped[int] = mapped_column(default=100)
    frequency_days: Mapped[int] = mapped_column(default=90)  # ask one user at most once per N days
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.kind.value} of project {self.project_id}>"


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    respondent: Mapped[str | None] = mapped_column(String(254))  # user id or email from the host
    # The respondent's app version, normalised, and its sort key (release health reads NPS by version).
    app_version: Mapped[str | None] = mapped_column(String(100))
    version_key: Mapped[str | None] = mapped_column(String(200), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    survey: Mapped[Survey] = relationship()
    feedback: Mapped[Feedback | None] = relationship()

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} score={self.score}>"
