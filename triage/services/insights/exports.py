"""CSV exports built with pandas: the items the board's filters select, and a project's themes
with their figures. Every text cell a spreadsheet could run as a formula is neutralised."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import aliased

from triage.extensions import db
from triage.models import Feedback, Project, Team, Theme, User
from triage.services import access
from triage.services.insights import figures
from triage.services.insights.page import Overview
from triage.services.items.inbox import InboxFilter, conditions

MAX_ROWS = 100_000
ITEM_COLUMNS = ["id", "project", "created_at", "channel", "kind", "title", "body", "category", "impact", "urgency",
                "priority", "status", "team", "assignee", "theme", "votes", "submitter_email", "first_response_due",
                "resolution_due", "resolved_at"]


def items_frame(flt: InboxFilter, limit: int = MAX_ROWS, viewer: User | None = None) -> pd.DataFrame:
    """The items matching the inbox filter that the viewer may see (newest first, at most
    `limit`), one row each."""
    assignee = aliased(User)
    query = (select(Feedback.id, Project.slug, Feedback.created_at, Feedback.channel, Feedback.kind, Feedback.title,
                    Feedback.body, Feedback.category, Feedback.impact, Feedback.urgency, Feedback.priority,
                    Feedback.status, Team.name, assignee.email, Theme.name, Feedback.vote_count,
                    Feedback.submitter_email, Feedback.first_response_due, Feedback.resolution_due,
                    Feedback.resolved_at)
             .join(Project, Project.id == Feedback.project_id).outerjoin(Team, Team.id == Feedback.team_id)
             .outerjoin(assignee, assignee.id == Feedback.assignee_id).outerjoin(Theme, Theme.id == Feedback.theme_id)
             .where(*conditions(flt, viewer=viewer)).order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit))
    frame = pd.DataFrame(db.session.execute(query).all(), columns=ITEM_COLUMNS)
    for column in ("channel", "kind", "status"):
        frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    return frame


def items_csv(flt: InboxFilter, viewer: User | None = None) -> str:
    return figures.safe_csv(items_frame(flt, viewer=viewer))


def themes_frame(overview: Overview, viewer: User | None = None) -> pd.DataFrame:
    """The ranked themes of an overview with every figure the page shows; a quoted item the
    viewer may not see is left out (the figures are the project's)."""
    records = [{
        "theme_id": r["theme_id"], "theme": r["theme"].name, "impact": r["impact"], "reach": r["reach"],
        "severity": r["severity"], "trend": r["trend"], "items": r["volume"], "previous_items": r["previous"],
        "change_percent": r["change"], "reporters": r["reporters"], "votes": r["votes"],
        "categories": "; ".join(f"{k or 'unclassified'}={v}" for k, v in r["categories"].items()),
        "priorities": "; ".join(f"{k or 'none'}={v}" for k, v in r["priorities"].items()),
        "nps": r["nps"], "csat": r["csat"], "quote": r["quote"].title if r["quote"] and access.can_see(viewer, r["quote"]) else "",
    } for r in overview.rows]
    return pd.DataFrame(records, columns=["theme_id", "theme", "impact", "reach", "severity", "trend", "items",
                                          "previous_items", "change_percent", "reporters", "votes", "categories",
                                          "priorities", "nps", "csat", "quote"])


def themes_csv(overview: Overview, viewer: User | None = None) -> str:
    return figures.safe_csv(themes_frame(overview, viewer))
