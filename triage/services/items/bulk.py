"""Bulk actions on items selected on the board: each item goes through the same verb as
its own page (assign, change status, reclassify, tag, merge), so each change is an Event."""
from __future__ import annotations

from sqlalchemy import select

from triage.extensions import db
from triage.models import Feedback, Status, Team, User, valid_id
from triage.services import DomainError, items
from triage.services import access

MAX_ITEMS = 500


def selected_items(ids: list[int], viewer: User | None = None) -> list[Feedback]:
    """The selected items that exist, are not quarantined and the viewer may see, in id order
    (one query); an item the viewer may not see is refused as one that does not exist."""
    if not ids:
        raise DomainError("Select at least one item.")
    ids = [i for i in ids if valid_id(i)]
    if len(ids) > MAX_ITEMS:
        raise DomainError(f"Select at most {MAX_ITEMS} items at once.")
    query = select(Feedback).where(Feedback.id.in_(ids), Feedback.quarantined.is_(False),
                                    *access.visible(viewer)).order_by(Feedback.id)
    found = list(db.session.scalars(query))
    if not found:
        raise DomainError("None of the selected items exists any more.")
    return found


def apply(ids: list[int], action: str, actor: User, *, team: Team | None = None, user: User | None = None,
          status: Status | None = None, impact: str | None = None, urgency: str | None = None,
          tag: str = "", theme: str = "") -> int:
    """Apply one action to every selected item (flushes); returns how many items changed.

    Any refusal (e.g. an assignee outside the team) raises DomainError for the whole batch,
    which the caller rolls back: a bulk action is all or nothing.
    """
    found = selected_items(ids, actor)
    if action == "merge":
        items.merge(found, actor)
        return len(found)
    changed = 0
    for item in found:
        if action == "assign":
            changed += items.assign(item, team, user, actor)
        elif action == "status" and status is not None:
            before = item.status
            items.change_status(item, status, actor)
            changed += item.status != before
        elif action == "reclassify" and impact and urgency:
            changed += items.reclassify(item, actor, category=item.category or "other", impact=impact,
                                        urgency=urgency)
        elif action == "tag":
            changed += items.add_tag(item, tag, actor)
        elif action == "theme" and theme.strip():
            changed += items.set_theme(item, theme, actor)
        else:
            raise DomainError("Choose an action and fill in its value.")
    return changed
