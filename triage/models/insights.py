"""What the insights page reads: daily counts kept by the worker, the impact weights of a
project, spike alerts and the product managers who follow a theme."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.accounts import User
from triage.models.base import UTCDateTime, utcnow
from triage.models.feedback import Project, Theme


class DailyCount(db.Model):
    """Items created on one UTC day in a project, per (theme, category, priority) group, with
    what the impact score needs: distinct reporters (per customer tier), votes and the survey
    scores of those reporters. Rebuilt whole per (project, day) by the worker's aggregate pass."""

    __tablename__ = "daily_counts"
    __table_args__ = (Index("ix_daily_counts_project_day", "project_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(2))
    count: Mapped[int] = mapped_column(default=0)
    reporters: Mapped[int] = mapped_column(default=0)  # distinct that day in this group
    votes: Mapped[int] = mapped_column(default=0)
    tiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {named tier: distinct reporters}, others in reporters only
    promoters: Mapped[int] = mapped_column(default=0)  # reporters whose latest NPS answer is 9-10
    detractors: Mapped[int] = mapped_column(default=0)  # ... is 0-6
    nps_answers: Mapped[int] = mapped_column(default=0)
    csat_good: Mapped[int] = mapped_column(default=0)  # reporters whose latest CSAT answer is 4-5
    csat_answers: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<DailyCount {self.project_id} {self.day} theme={self.theme_id} {self.count}>"


class RankingSnapshot(db.Model):
    """A project's themes ranked by impact over the `days` days ending on `day`, as the worker's
    aggregate pass computed them from the daily counts: the insights page's first read, so a
    view after a pass reads one row instead of summing every count of the period."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (UniqueConstraint("project_id", "days", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    days: Mapped[int]
    day: Mapped[date] = mapped_column(Date)
    weights: Mapped[str] = mapped_column(String(64))  # a digest of the impact weights used
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)  # figures.theme_records, the top ones
    totals: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [items, items before, unthemed]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<RankingSnapshot {self.project_id} {self.days}d to {self.day}>"


class AggregateMark(db.Model):
    """How far a background pass has read (e.g. the items' updated_at for the daily counts)."""

    __tablename__ = "aggregate_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<AggregateMark {self.name} {self.value:%Y-%m-%d %H:%M:%S}>"


class ImpactWeights(db.Model):
    """A project's weights for the impact score (admins and PMs set them; defaults otherwise)."""

    __tablename__ = "impact_weights"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    vote_weight: Mapped[float] = mapped_column(default=0.5)
    tier_weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"enterprise": 3.0, ...}
    severity_weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"P1": 5.0, ...}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()

    def __repr__(self) -> str:
        return f"<ImpactWeights of project {self.project_id}>"


class SpikeAlert(db.Model):
    """A theme or a category far above its own baseline on one day; open until it calms down."""

    __tablename__ = "spike_alerts"
    __table_args__ = (Index("ix_spike_alerts_project_status", "project_id", "status"),
                      # one alert per subject and day, even with two workers checking at once
                      UniqueConstraint("project_id", "key", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))  # "theme:<id>" or "category:<name>"
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    category: Mapped[str | None] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int]
    baseline_mean: Mapped[float]
    baseline_std: Mapped[float]
    z: Mapped[float]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship()
    theme: Mapped[Theme | None] = relationship()

    @property
    def subject(self) -> str:
        return f"theme {self.theme.name!r}" if self.theme else f"category {self.category!r}"

    def __repr__(self) -> str:
        return f"<SpikeAlert {self.id} {self.status} {self.day} z={self.z:.1f}>"


class ThemeFollower(db.Model):
    """A staff member told when the theme spikes."""

    __tablename__ = "theme_followers"

    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ThemeFollower user {self.user_id} of theme {self.theme_id}>"


class ThemeNote(db.Model):
    """An internal note a staff member leaves on a theme (never shown to end users)."""

    __tablename__ = "theme_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ThemeNote {self.id} on theme {self.theme_id}>"
