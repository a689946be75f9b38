"""Projects and their feedback items, with each item's timeline, comments and attachments."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DDL, ForeignKey, Index, String, Text, UniqueConstraint, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.accounts import Team, User
from triage.models.base import (
    Channel,
    Kind,
    Severity,
    Status,
    UTCDateTime,
    new_token,
    str_enum,
    utcnow,
)


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    public_key: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: "pk_" + secrets.token_hex(12)
    )
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Signs identities passed by the host page (HMAC), so visitors cannot pose as others.
    identity_secret: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(24))
    default_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    # Email the submitter (when they left an address) once their item is resolved or closed.
    notify_submitter_on_resolve: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    default_team: Mapped[Team | None] = relationship()

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.slug}>"


class Theme(db.Model):
    """A named group of related feedback in a project ("Slow checkout", "Dark mode"), which
    product managers weigh by volume, trend and impact. Triagers file items under one."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()

    def __repr__(self) -> str:
        return f"<Theme {self.id} {self.name!r}>"


class Feedback(db.Model):
    """One item of feedback: a bug report, an idea, a question or a survey comment."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("project_id", "idempotency_key"),
        Index("ix_feedback_status_created", "status", "created_at"),
        Index("ix_feedback_project_created", "project_id", "created_at"),
        # The board's default order (priority, then due time): each page reads index ranges.
        Index("ix_feedback_priority_due", "priority", "resolution_due", "id"),
        # The worker polls for unclassified items every second; this keeps that lookup tiny.
        Index("ix_feedback_pending", "id", sqlite_where=text("category IS NULL"),
              postgresql_where=text("category IS NULL")),
        # Text search on PostgreSQL (lower(...) LIKE '%word%'): a rare word is found through
        # these trigram indexes, and their statistics tell the planner how common a word is.
        *(Index(f"ix_feedback_{name}_trgm", func.lower(text(name)).label(name), postgresql_using="gin",
                postgresql_ops={name: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
          for name in ("title", "body")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_feedback_project_created, whose first column it is.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.FORM)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind), default=Kind.FEEDBACK)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[Severity | None] = mapped_column(str_enum(Severity))
    submitter_email: Mapped[str | None] = mapped_column(String(254))
    submitter_name: Mapped[str | None] = mapped_column(String(120))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Suspected spam waits here for an admin instead of reaching the board.
    quarantined: Mapped[bool] = mapped_column(default=False)

    # Set by the classifier; NULL category means "unclassified" (retried later).
    category: Mapped[str | None] = mapped_column(String(20))
    impact: Mapped[str | None] = mapped_column(String(10))
    urgency: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[str | None] = mapped_column(String(2), index=True)
    confidence: Mapped[float | None]
    model_version: Mapped[str | None] = mapped_column(String(64))
    # The classifier's full answer: probabilities per head and the reasons it gave.
    prediction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Indexed by ix_feedback_status_created.
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.NEW)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), index=True)
    vote_count: Mapped[int] = mapped_column(default=0)
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while the item waits on the submitter: SLA clocks stop and resume later.
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    status_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="feedback", order_by="Event.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="feedback", order_by="Comment.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="feedback", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def public_comments(self) -> list[Comment]:
        return [c for c in self.comments if c.public]

    def __repr__(self) -> str:
        return f"<Feedback {self.id} {self.status.value} {self.title[:30]!r}>"


# The trigram operator classes come from pg_trgm (a trusted extension: the database's owner may
# create it); the migration does the same for databases built from migrations.
event.listen(Feedback.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public").execute_if(dialect="postgresql"))


class Event(db.Model):
    """One entry of an item's timeline, which doubles as the audit log."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_feedback_created", "feedback_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} on {self.feedback_id}>"


class Comment(db.Model):
    """An internal note (staff only) or a public reply (shown to the submitter)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        kind = "reply" if self.public else "note"
        return f"<Comment {self.id} {kind} on {self.feedback_id}>"


class Attachment(db.Model):
    """A file sent with an item (e.g. a screenshot), stored outside the static folder."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)  # file name under the upload folder
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename} on {self.feedback_id}>"
