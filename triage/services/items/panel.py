"""The item page's triage panel: every triage field in one submit, each change still made by
its own verb of `triage.services.items` (so each is its own Event, and a label change is a
correction the next training learns from)."""
from __future__ import annotations

from dataclasses import dataclass

from triage.extensions import db
from triage.models import Feedback, Status, Team, User
from triage.services import DomainError, items

MAX_TAGS = 20


@dataclass(frozen=True)
class Triage:
    """What the panel sent: labels, team and assignee ids (None: none), theme name, tags, status."""

    category: str
    impact: str
    urgency: str
    team_id: int | None
    assignee_id: int | None
    theme: str
    tags: list[str]
    status: Status


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags as the staff API keeps them: trimmed, lower case, unique, sorted."""
    found = sorted({t.strip().lower() for t in text.split(",") if t.strip()})
    if len(found) > MAX_TAGS or any(len(t) > items.MAX_TAG for t in found):
        raise DomainError(f"At most {MAX_TAGS} tags of at most {items.MAX_TAG} characters each.")
    return found


def apply(item: Feedback, actor: User, wanted: Triage) -> list[str]:
    """Make the item as the panel says (flushes); returns the names of what changed, in order.

    Labels, team and assignee are applied only when the panel changed them: an unclassified
    item is not labelled by the panel's defaults, and a correction that routes the item
    elsewhere is kept unless the triager also picked someone."""
    shown = (item.team_id, item.assignee_id)
    changed = []
    if (wanted.category, wanted.impact, wanted.urgency) != shown_labels(item):
        if items.reclassify(item, actor, category=wanted.category, impact=wanted.impact, urgency=wanted.urgency):
            changed.append("classification")
    if (wanted.team_id, wanted.assignee_id) != shown:
        team = db.session.get(Team, wanted.team_id) if wanted.team_id else None
        user = db.session.get(User, wanted.assignee_id) if wanted.assignee_id else None
        if items.assign(item, team, user, actor):
            changed.append("assignment")
    if items.set_theme(item, wanted.theme, actor):
        changed.append("theme")
    if items.set_tags(item, wanted.tags, actor):
        changed.append("tags")
    if item.status != wanted.status:
        items.change_status(item, wanted.status, actor)
        changed.append("status")
    return changed


def shown_labels(item: Feedback) -> tuple[str, str, str]:
    """The labels the panel shows: the item's, or the defaults for an unclassified item."""
    return item.category or "other", item.impact or "medium", item.urgency or "medium"
