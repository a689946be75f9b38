"""Staff accounts, teams and personal API tokens."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from triage.extensions import db
from triage.models.base import MERGING_ROLES, ItemAccess, Role, TeamRole, UTCDateTime, new_token, str_enum, utcnow


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
    # What the person chose to hear by email (their own page, /auth/account).
    email_on_assign: Mapped[bool] = mapped_column(default=True)
    email_escalations: Mapped[bool] = mapped_column(default=True)
    # Two-factor sign-in (TOTP): the base32 secret once enrolled (never shown again), the last
    # time step a code was accepted for (a code is never taken twice), and the admin's demand.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()
    totp_required: Mapped[bool] = mapped_column(default=False)
    # Which items an agent sees (services/items/access.py); "all" keeps the board as it was.
    item_access: Mapped[ItemAccess] = mapped_column(str_enum(ItemAccess, 10), default=ItemAccess.ALL)
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
    def can_merge(self) -> bool:
        return self.has_role(*MERGING_ROLES)

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
    # Business hours for SLA clocks: {"timezone": "Europe/Berlin", "days": [0,1,2,3,4],
    # "start": "09:00", "end": "17:00", "holidays": ["2026-12-25"]}; empty means 24x7.
    calendar: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Position of the last round-robin pick, so the rotation survives restarts.
    last_assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
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


def hash_api_token(token: str) -> str:
    """Tokens are random and long, so one SHA-256 is enough to keep them unreadable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


class RecoveryCode(db.Model):
    """A one-time code that stands in for a TOTP code (lost phone); only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"


class ApiToken(db.Model):
    """A personal token for the staff API; only its hash is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"
