"""SQLAlchemy models, one module per aggregate; import them from here."""
from triage.models.accounts import ApiToken, RecoveryCode, Team, TeamMember, User, hash_api_token
from triage.models.base import (
    ID_LIMIT,
    MERGING_ROLES,
    OPEN_STATUSES,
    AlertState,
    Category,
    Channel,
    Deadline,
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    ItemAccess,
    Kind,
    Level,
    Priority,
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
    parse_id,
    utcnow,
    valid_id,
)
from triage.models.feedback import Attachment, Comment, Event, Feedback, Follower, Project, RefusedAttempt, Theme, Vote
from triage.models.jobs import BackgroundJob, JobKind, JobStatus
from triage.models.insights import (AggregateMark, DailyCount, ImpactWeights, RankingSnapshot, SpikeAlert, ThemeFollower,
                                    ThemeNote)
from triage.models.macros import BulkUndo, Macro
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
from triage.models.workflow import (
    EscalationAlert,
    EscalationTier,
    Notification,
    RoutingRule,
    SavedView,
    SettingsStamp,
    SlaPolicy,
    Webhook,
)

__all__ = [
    "ID_LIMIT", "OPEN_STATUSES", "AggregateMark", "SettingsStamp", "AlertState", "ApiToken", "Attachment", "BackgroundJob", "BulkUndo", "Category", "Channel", "Comment", "DailyCount",
    "Deadline", "DeliveryChannel", "DeliveryStatus", "DisabledDefaultRule",
    "EscalationAlert", "EscalationTarget", "EscalationTier", "Event", "Feedback", "Follower", "ImpactWeights", "JobKind", "JobStatus", "Kind",
    "KeywordRule", "Level", "Macro", "ModelVersion", "Notification", "Priority", "Project", "RankingSnapshot", "RecoveryCode", "RefusedAttempt", "Release", "ReleaseAdoption",
    "ReleaseFix", "ReleaseFollower", "ReleaseRule", "RuleKind", "ItemAccess", "MERGING_ROLES", "Role", "RoutingRule", "SavedView", "Severity",
    "SlaPolicy", "SpikeAlert", "Status", "Strategy", "Survey", "SurveyKind", "SurveyResponse", "Team", "TeamMember", "TeamRole",
    "Theme", "ThemeFollower", "ThemeNote", "ThemeSource", "ThemeStatus", "UTCDateTime", "User", "Verdict", "Vote", "Webhook", "hash_api_token",
    "new_token", "parse_id", "utcnow", "valid_id",
]
