"""SQLAlchemy models, one module per aggregate; import them from here."""
from triage.models.accounts import ApiToken, Team, TeamMember, User, hash_api_token
from triage.models.base import (
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
    ThemeSource,
    ThemeStatus,
    UTCDateTime,
    new_token,
    utcnow,
)
from triage.models.feedback import Attachment, Comment, Event, Feedback, Follower, Project, Theme, Vote
from triage.models.jobs import BackgroundJob, JobKind, JobStatus
from triage.models.learning import DisabledDefaultRule, KeywordRule, ModelVersion
from triage.models.releases import (
    Release,
    ReleaseAdoption,
    ReleaseFix,
    ReleaseFollower,
    ReleaseRule,
    RuleKind,
    Verdict,
)
from triage.models.surveys import Survey, SurveyResponse
from triage.models.workflow import EscalationTier, Notification, RoutingRule, SavedView, SlaPolicy, Webhook

__all__ = [
    "ApiToken", "Attachment", "BackgroundJob", "Channel", "Comment", "Deadline", "DeliveryChannel", "DeliveryStatus",
    "DisabledDefaultRule",
    "EscalationTarget", "EscalationTier", "Event", "Feedback", "Follower", "JobKind", "JobStatus", "Kind", "KeywordRule",
    "ModelVersion", "Notification", "Project", "Release", "ReleaseAdoption", "ReleaseFix", "ReleaseFollower",
    "ReleaseRule", "RuleKind", "Role", "RoutingRule", "SavedView", "Severity", "SlaPolicy", "Status",
    "Strategy", "Survey", "SurveyKind", "SurveyResponse", "Team", "TeamMember", "TeamRole", "Theme", "ThemeSource",
    "ThemeStatus", "UTCDateTime", "User", "Verdict", "Vote", "Webhook", "hash_api_token", "new_token", "utcnow",
]
