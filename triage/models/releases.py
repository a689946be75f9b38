"""Releases of a project's app: when each version went out, how many sessions it had per
day, the gate's rules, who follows its verdicts, and the fixes watched for a regression."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.base import UTCDateTime, str_enum, utcnow
from triage.models.feedback import Feedback, Project, Theme


class RuleKind(enum.Enum):
    """What a gate rule checks; `threshold` and `min_sample` mean what each says."""

    NO_OPEN_P1 = "no_open_p1"            # open P1 reports on the version: none allowed
    MAX_OPEN_P2 = "max_open_p2"          # open P2 reports: at most threshold
    BUG_RATE = "bug_rate"                # bug reports per 1,000 sessions (or per day): up at most threshold %
    NPS_DROP = "nps_drop"                # NPS down at most threshold points, with min_sample answers
    NEW_THEME = "new_theme"              # no theme first seen on it with threshold reports or more

    @property
    def label(self) -> str:
        return RULE_LABELS[self]


RULE_LABELS = {
    RuleKind.NO_OPEN_P1: "No open P1",
    RuleKind.MAX_OPEN_P2: "At most {threshold:g} open P2",
    RuleKind.BUG_RATE: "Bug reports per 1,000 sessions up at most {threshold:g}%",
    RuleKind.NPS_DROP: "NPS down at most {threshold:g} points (at least {min_sample} answers)",
    RuleKind.NEW_THEME: "No new theme with {threshold:g} or more reports",
}


class Verdict(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class Release(db.Model):
    """One version of a project's app; made on first sight of the version or by hand."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(100))
    version_key: Mapped[str] = mapped_column(String(200), index=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The verdict last told to the followers; a different one is news (sent once per change).
    last_verdict: Mapped[str | None] = mapped_column(String(10))
    verdict_changes: Mapped[int] = mapped_column(default=0)  # numbers each change (its outbox key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()
    adoption: Mapped[list[ReleaseAdoption]] = relationship(
        back_populates="release", order_by="ReleaseAdoption.day", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Release {self.id} {self.version} of project {self.project_id}>"


class ReleaseAdoption(db.Model):
    """Sessions (or active users) on a release on one day, posted by the app's analytics."""

    __tablename__ = "release_adoption"
    __table_args__ = (UniqueConstraint("release_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sessions: Mapped[int]

    release: Mapped[Release] = relationship(back_populates="adoption")

    def __repr__(self) -> str:
        return f"<ReleaseAdoption {self.release_id} {self.day} {self.sessions}>"


class ReleaseRule(db.Model):
    """One line of a project's go/no-go gate."""

    __tablename__ = "release_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RuleKind] = mapped_column(str_enum(RuleKind))
    threshold: Mapped[float] = mapped_column(default=0)
    min_sample: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ReleaseRule {self.id} {self.kind.value} {self.threshold}>"


class ReleaseFollower(db.Model):
    """Someone told when a release's verdict changes: an email address or a webhook."""

    __tablename__ = "release_followers"
    __table_args__ = (UniqueConstraint("project_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))

    webhook = relationship("Webhook")

    def __repr__(self) -> str:
        return f"<ReleaseFollower {self.id} {self.email or self.webhook_id}>"


class ReleaseFix(db.Model):
    """An item or a theme marked fixed in a version: reports of it from that version or later
    beyond `threshold` reopen it as regressed."""

    __tablename__ = "release_fixes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(100))
    version_key: Mapped[str] = mapped_column(String(200))
    threshold: Mapped[int] = mapped_column(default=1)
    fixed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    regressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    feedback: Mapped[Feedback | None] = relationship()
    theme: Mapped[Theme | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReleaseFix {self.id} fixed in {self.version}>"
