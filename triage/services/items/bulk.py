"""Bulk actions on items selected on the board: each item goes through the same verb as
its own page (assign, change status, reclassify, tag, theme, macro, merge), so each change
is an Event; what the action changed is recorded for its undo (`bulk_undo`)."""
from __future__ import annotations

from sqlalchemy import select

from triage.extensions import db
from triage.models import Feedback, Macro, Status, Team, User, valid_id
from triage.services import DomainError, access, items
from triage.services.items import bulk_undo, macros

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
          tag: str = "", theme: str = "", macro: Macro | None = None) -> int:
    """Apply one action to every selected item (flushes) and keep its undo record; returns
    how many items changed.

    Any refusal (e.g. an assignee outside the team) raises DomainError for the whole batch,
    which the caller rolls back: a bulk action is all or nothing.
    """
    found = selected_items(ids, actor)
    before = {item.id: bulk_undo.snapshot(item) for item in found}
    changed = apply_to(found, action, actor, team=team, user=user, status=status, impact=impact,
                       urgency=urgency, tag=tag, theme=theme, macro=macro)
    bulk_undo.record(actor, action, found, before)
    return changed


def apply_to(found: list[Feedback], action: str, actor: User, *, team, user, status, impact, urgency, tag, theme,
             macro) -> int:
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
        elif action == "macro" and macro is not None:  # each reply filled for its own item
            changed += bool(macros.apply_macro(item, macro, actor))
        else:
            raise DomainError("Choose an action and fill in its value.")
    return changed
