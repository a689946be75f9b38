"""Staff workplace: the inbox, the item page, the kanban, saved views and bulk actions."""
from flask import Blueprint

from triage.auth import require_roles
from triage.models import Role

bp = Blueprint("board", __name__, url_prefix="/board")
require_roles(bp, [Role.AGENT, Role.PM])

from triage.board import bulk, duplicates, kanban, macros, saved_views, views  # noqa: E402,F401
