"""Product managers' workplace: themes, the insights page, charts and exports.

PMs and admins change themes; agents read. Views live in the modules imported below."""
from flask import Blueprint

from triage.auth import require_roles
from triage.models import Role

bp = Blueprint("insights", __name__, url_prefix="/insights")
require_roles(bp, [Role.AGENT, Role.PM])

from triage.insights import themes  # noqa: E402,F401  (registers the routes)
from triage.insights import views  # noqa: E402,F401
from triage.insights import surveys  # noqa: E402,F401  (survey results, read-only)
from triage.insights import charts  # noqa: E402,F401  (server-rendered SVG charts)
from triage.insights import imports  # noqa: E402,F401  (CSV imports as background jobs)
from triage.insights import export_pages  # noqa: E402,F401  (large exports as background jobs)
