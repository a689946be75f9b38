"""Administration: projects, users and teams."""
from flask import Blueprint

from triage.auth import require_roles
from triage.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_roles(bp, [Role.ADMIN])

from triage.admin import learning, quarantine, views  # noqa: E402,F401
from triage.admin import workflow  # noqa: E402,F401  (routing, SLA, webhooks, outbox)
from triage.admin import surveys  # noqa: E402,F401  (NPS, CSAT, single-question surveys)
