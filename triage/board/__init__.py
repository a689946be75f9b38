"""Staff workplace: the inbox and the item page."""
from flask import Blueprint

from triage.auth import require_roles
from triage.models import Role

bp = Blueprint("board", __name__, url_prefix="/board")
require_roles(bp, [Role.AGENT, Role.PM])

from triage.board import views  # noqa: E402,F401
