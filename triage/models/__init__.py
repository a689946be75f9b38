"""SQLAlchemy models, one module per aggregate; import them from here."""
from triage.models.accounts import ApiToken, Team, TeamMember, User, hash_api_token
from triage.models.base import (
    ID_LIMIT,
    OPEN_STATUSES,
    Category,
    Channel,
    Deadline,
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    Kind,
    Level,
    Priority,
    Role,
    Severity,
    Status,
    Strategy,
    SurveyKind,
    TeamRole,
    UTCDateTime,
    new_token,
    parse_id,
    utcnow,
    valid_id,
)
from triage.models.feedback import Attachment, Comment, Event, Feedback, Project, Theme
from triage.models.learning import DisabledDefaultRule, KeywordRule, ModelVersion
from triage.models.surveys import Survey, SurveyResponse
from triage.models.workflow import EscalationTier, Notification, RoutingRule, SavedView, SlaPolicy, Webhook

__all__ = [
    "ID_LIMIT", "OPEN_STATUSES", "ApiToken", "Attachment", "Category", "Channel", "Comment", "Deadline",
    "DeliveryChannel", "DeliveryStatus",
    "DisabledDefaultRule",
    "EscalationTarget", "EscalationTier", "Event", "Feedback", "Kind", "KeywordRule", "Level", "ModelVersion",
    "Notification", "Priority", "Project", "Role", "RoutingRule", "SavedView", "Severity", "SlaPolicy", "Status",
    "Strategy", "Survey", "SurveyKind", "SurveyResponse", "Team", "TeamMember", "TeamRole", "Theme", "UTCDateTime",
    "User", "Webhook", "hash_api_token", "new_token", "parse_id", "utcnow", "valid_id",
]
