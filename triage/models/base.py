"""Column types, defaults and enumerations shared by every model."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, TypeDecorator


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

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


class Channel(enum.Enum):
    """How an item came in. No "import" until a CSV import stores items: no code ever wrote it,
    and the column is a plain VARCHAR(20) without a CHECK, so adding it back needs no migration."""

    FORM = "form"
    WIDGET = "widget"
    SURVEY = "survey"
    API = "api"


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


class Strategy(enum.Enum):
    """How a routing rule picks an assignee inside its team."""

    NONE = "none"  # the team's queue, nobody in particular
    FIXED = "fixed"  # the rule's assignee
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


class Deadline(enum.Enum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class EscalationTarget(enum.Enum):
    ASSIGNEE = "assignee"
    LEAD = "lead"
    MANAGER = "manager"


class DeliveryChannel(enum.Enum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class AlertState(enum.Enum):
    """What became of one escalation alert (an item's tier for one recipient)."""

    QUEUED = "queued"  # waits for the recipient's next digest (or the hourly cap)
    SENT = "sent"  # in a digest, or posted to its webhook
    PASSED = "passed"  # a higher tier was due in the same sweep: only that one fires


class SurveyKind(enum.Enum):
    NPS = "nps"
    CSAT = "csat"
    SINGLE = "single"
