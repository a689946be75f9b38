"""Column types, defaults and enumerations shared by every model."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, TypeDecorator

# The labels' words come from ml (it imports nothing from triage, so its tuples are the single
# source); ml.vocabulary is plain data and loads no model.
from ml.vocabulary import CATEGORIES, LEVELS, PRIORITIES

# Ids are INTEGER columns: a larger number names no row (and PostgreSQL would refuse to bind it).
ID_LIMIT = 2**31


def valid_id(value: int) -> bool:
    """True for a positive id that fits the INTEGER columns."""
    return 0 < value < ID_LIMIT


def parse_id(value: object) -> int | None:
    """An id read from a query string, form field or JSON: an int or a string of ASCII digits,
    positive and below ID_LIMIT; anything else is None (names no row)."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) < 12):
            return None
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and valid_id(value) else None


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


def str_enum(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """A portable enum column: VARCHAR holding the member's value, no native type. Strings equal
    to a value are accepted on write; other strings raise LookupError."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.Enum):
    ADMIN = "admin"
    AGENT = "agent"
    PM = "pm"


# Who merges and unmerges duplicates: agents, and product managers, who dedupe ideas and reports
# as Canny's and Productboard's PMs do (admins hold every role).
MERGING_ROLES = (Role.AGENT, Role.PM)


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
        return self in OPEN_STATUSES


# The statuses of an item still being worked on, in the board's order.
OPEN_STATUSES: tuple[Status, ...] = (Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING)


# The classifier's labels. StrEnums: a member equals its string ("bug" == Category.BUG), so
# code, templates and JSON that read plain strings keep working.
Category = enum.StrEnum("Category", {c.upper(): c for c in CATEGORIES}, module=__name__)
Level = enum.StrEnum("Level", {v.upper(): v for v in LEVELS}, module=__name__)  # impact, urgency
Priority = enum.StrEnum("Priority", {p: p for p in PRIORITIES}, module=__name__)


class Channel(enum.Enum):
    """How an item came in ("import": `flask triage import`). The column is a plain VARCHAR(20)
    without a CHECK, so a new value needs no migration."""

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


class ItemAccess(enum.Enum):
    """Which items an agent sees: all of them, or those routed to their teams or assigned to
    them (product managers and admins always see all)."""

    ALL = "all"
    TEAMS = "teams"


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


class ThemeStatus(enum.Enum):
    """Where a theme stands for the product team, set by PMs."""

    OPEN = "open"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    WONT_DO = "wont_do"

    @property
    def label(self) -> str:
        return "Won't do" if self is ThemeStatus.WONT_DO else self.value.replace("_", " ").capitalize()


class ThemeSource(enum.Enum):
    """Who made a theme: a run of the clustering (auto) or a person naming it (manual)."""

    AUTO = "auto"
    MANUAL = "manual"

