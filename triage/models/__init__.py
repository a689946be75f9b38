"""SQLAlchemy models, one module per aggregate; import them from here."""
from triage.models.accounts import ApiToken, Team, TeamMember, User, hash_api_token
from triage.models.base import (
    AlertState,
    Channel,
    Deadline,
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    Kind,
    Role,
    Severity,
    Status,
    Strategy,
    SurveyKind,
    TeamRole,
    UTCDateTime,
    new_token,
    utcnow,
)
from triage.models.feedback import Attachment, Comment, Event, Feedback, Project, Theme
from triage.models.learning import DisabledDefaultRule, KeywordRule, ModelVersion
from triage.models.surveys import Survey, SurveyResponse
from triage.models.workflow import EscalationAlert, EscalationTier, Notification, RoutingRule, SavedView, SlaPolicy, Webhook

__all__ = [
    "AlertState", "ApiToken", "Attachment", "Channel", "Comment", "Deadline", "DeliveryChannel", "DeliveryStatus",
    "DisabledDefaultRule",
    "EscalationAlert", "EscalationTarget", "EscalationTier", "Event", "Feedback", "Kind", "KeywordRule", "ModelVersion",
    "Notification", "Project", "Role", "RoutingRule", "SavedView", "Severity", "SlaPolicy", "Status",
    "Strategy", "Survey", "SurveyKind", "SurveyResponse", "Team", "TeamMember", "TeamRole", "Theme", "UTCDateTime",
    "User", "Webhook", "hash_api_token", "new_token", "utcnow",
]
