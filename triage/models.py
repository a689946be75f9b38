"""SQLAlchemy models: the names used throughout triage (see DESIGN.md)."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime, timezone
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from triage.extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (used as a callable column default)."""
    return datetime.now(timezone.utc)


def new_token(nbytes: int = 24) -> str:
    """An unguessable URL-safe token."""
    return secrets.token_urlsafe(nbytes)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, so values come back naive there; this makes both
    databases hand the application the same kind of value.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use triage.models.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def str_enum(enum_class: type[enum.Enum]) -> Enum:
    """A portable enum column: VARCHAR holding the member's value, no native type."""
    return Enum(
        enum_class,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.Enum):
    ADMIN = "admin"
    AGENT = "agent"
    PM = "pm"


class Status(enum.Enum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Channel(enum.Enum):
    FORM = "form"
    WIDGET = "widget"
    SURVEY = "survey"
    API = "api"
    IMPORT = "import"


class Kind(enum.Enum):
    """What the submitter said the item is; the classifier's category may differ."""

    BUG = "bug"
    IDEA = "idea"
    FEEDBACK = "feedback"


class Severity(enum.Enum):
    """Severity as felt by the submitter of a bug report."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class TeamRole(enum.Enum):
    MEMBER = "member"
    LEAD = "lead"
    MANAGER = "manager"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.AGENT)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie's identity: rotating it ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        """Admins hold every role; others only their own."""
        return self.role == Role.ADMIN or self.role in roles

    @property
    def teams(self) -> list[Team]:
        return [m.team for m in self.memberships]

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    def members_with(self, role: TeamRole) -> list[User]:
        return [m.user for m in self.memberships if m.role == role]

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name}>"


class TeamMember(db.Model):
    """A user's place in a team: member, lead or manager (escalation tiers use these)."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole), default=TeamRole.MEMBER)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<TeamMember team={self.team_id} user={self.user_id} {self.role.value}>"


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    public_key: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: "pk_" + secrets.token_hex(12)
    )
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    default_team: Mapped[Team | None] = relationship()

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.slug}>"


class Feedback(db.Model):
    """One item of feedback: a bug report, an idea, a question or a survey comment."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("project_id", "idempotency_key"),
        Index("ix_feedback_status_created", "status", "created_at"),
        Index("ix_feedback_project_created", "project_id", "created_at"),
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

    # Set by the classifier; NULL category means "unclassified" (retried later).
    category: Mapped[str | None] = mapped_column(String(20))
    impact: Mapped[str | None] = mapped_column(String(10))
    urgency: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[str | None] = mapped_column(String(2), index=True)
    confidence: Mapped[float | None]
    model_version: Mapped[str | None] = mapped_column(String(64))

    # Indexed by ix_feedback_status_created.
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.NEW)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    vote_count: Mapped[int] = mapped_column(default=0)
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    status_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="feedback", order_by="Event.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="feedback", order_by="Comment.id", cascade="all, delete-orphan"
    )

    @property
    def public_comments(self) -> list[Comment]:
        return [c for c in self.comments if c.public]

    def __repr__(self) -> str:
        return f"<Feedback {self.id} {self.status.value} {self.title[:30]!r}>"


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
