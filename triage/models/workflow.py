"""Routing, SLAs, escalation and the notification outbox; saved board views."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.accounts import Team, User
from triage.models.base import (
    AlertState,
    Deadline,
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    Priority,
    Strategy,
    UTCDateTime,
    new_token,
    str_enum,
    utcnow,
)


class RoutingRule(db.Model):
    """Ordered rule: when its conditions match an item, the item goes to a team (and maybe a person).

    `conditions` holds any of: project_id, channel, kind, category, priority, tag,
    keyword (case-insensitive substring) and pattern (regular expression on title and body).
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0, index=True)
    name: Mapped[str] = mapped_column(String(120))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    strategy: Mapped[Strategy] = mapped_column(str_enum(Strategy), default=Strategy.NONE)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship()
    assignee: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoutingRule {self.id} #{self.position} {self.name!r}>"


class SlaPolicy(db.Model):
    """Targets for one priority: minutes to first response and to resolution."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2), unique=True)
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    business_hours: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tiers: Mapped[list[EscalationTier]] = relationship(
        back_populates="policy", order_by="EscalationTier.threshold_percent", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<SlaPolicy {self.priority} {self.first_response_minutes}/{self.resolution_minutes} min>"


class EscalationTier(db.Model):
    """At `threshold_percent` of a deadline's target, notify someone by some channel.

    Items already past the threshold when the tier was added (`active_since`) are its backlog:
    they are not escalated unless the admin asked for it (`include_backlog`)."""

    __tablename__ = "escalation_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[Deadline] = mapped_column(str_enum(Deadline), default=Deadline.RESOLUTION)
    threshold_percent: Mapped[int]
    target: Mapped[EscalationTarget] = mapped_column(str_enum(EscalationTarget))
    channel: Mapped[DeliveryChannel] = mapped_column(str_enum(DeliveryChannel), default=DeliveryChannel.EMAIL)
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id", ondelete="SET NULL"))
    active_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    include_backlog: Mapped[bool] = mapped_column(default=False)

    policy: Mapped[SlaPolicy] = relationship(back_populates="tiers")
    webhook: Mapped[Webhook | None] = relationship()

    def __repr__(self) -> str:
        return f"<EscalationTier {self.threshold_percent}% {self.deadline.value} -> {self.target.value}>"


class Webhook(db.Model):
    """An HTTP endpoint that receives JSON events signed with HMAC-SHA256."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64), default=new_token)
    preset: Mapped[str] = mapped_column(String(20), default="generic")  # generic, slack, teams
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.name!r}>"


class Notification(db.Model):
    """The outbox: written in the same transaction as its cause, delivered later, never twice."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[DeliveryChannel] = mapped_column(str_enum(DeliveryChannel))
    recipient: Mapped[str] = mapped_column(String(500))  # an email address, or a webhook URL
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id", ondelete="SET NULL"))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    webhook: Mapped[Webhook | None] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.channel.value} {self.status.value} {self.dedupe_key!r}>"


class EscalationAlert(db.Model):
    """One tier firing for one item, deadline and due time, to one recipient.

    Its `key` (`esc:{item}:{deadline}:{due}:{tier}:{recipient}`) is unique, so a tier fires once
    per item and deadline whatever the sweeps do. Email alerts wait (queued) until the sweep
    puts them in the recipient's digest; webhook alerts are posted one by one."""

    __tablename__ = "escalation_alerts"
    __table_args__ = (Index("ix_escalation_alerts_state_recipient", "state", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_tiers.id", ondelete="SET NULL"))
    threshold_percent: Mapped[int]
    deadline: Mapped[Deadline] = mapped_column(str_enum(Deadline))
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[DeliveryChannel] = mapped_column(str_enum(DeliveryChannel))
    recipient: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[AlertState] = mapped_column(str_enum(AlertState))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<EscalationAlert {self.id} {self.state.value} {self.key!r}>"


class SavedView(db.Model):
    """A named set of board filters, private to a user or shared with a team."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SavedView {self.id} {self.name!r}>"


class SettingsStamp(db.Model):
    """One row per cache of settings: its value changes (a new random token) in every
    transaction that changes one of the cached tables, so each process knows, with one read,
    whether its copy is still current (services/snapshot.py)."""

    __tablename__ = "settings_stamps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))

    def __repr__(self) -> str:
        return f"<SettingsStamp {self.name}={self.value}>"


@sa_event.listens_for(SettingsStamp.__table__, "after_create")
def seed_stamp(table, connection, **_kw) -> None:
    """A database made from the models (tests, `db.create_all`) gets the row the migration
    inserts; random, so that no two databases start with the same stamp."""
    connection.execute(table.insert().values(name="settings", value=uuid.uuid4().hex))
