"""Release health pages: each project's releases with their verdicts, a release's figures
against the previous version, the gate's rules and the meeting's checklist.

Agents and product managers read; product managers (and admins) change the gate."""
from flask import Blueprint

from triage.auth import require_roles
from triage.models import Role

bp = Blueprint("releases", __name__, url_prefix="/releases")
require_roles(bp, [Role.AGENT, Role.PM])

from triage.releases import views  # noqa: E402,F401
